// Cost of single-port mode's demultiplexing alone (`media/transport/demux-table.ts`):
//   npm run bench -- demux
// 400 connections whose addresses were learned from ICE checks; then an RTP/RTCP-sized datagram
// routed by its source address (what every received packet pays), and an ICE check routed by its
// USERNAME with its MESSAGE-INTEGRITY verified (a few per connection every few seconds).
import { classes, Message, methods } from 'werift';
import { DemuxTable } from '../packages/server/src/media/transport/demux-table.ts';

const CONNECTIONS = 400;

function check(ufrag: string): Buffer {
  return new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufrag}:remote`).addMessageIntegrity(Buffer.from('password')).addFingerprint().bytes;
}

/** Entry used by bench/run.ts. */
export async function main(): Promise<void> {
  const table = new DemuxTable();
  let delivered = 0;
  for (let i = 0; i < CONNECTIONS; i++) {
    const e = table.add({ password: () => 'password', receive: () => undefined });
    table.setUfrag(e, `u${i}`);
    if (!table.route(check(`u${i}`), '127.0.0.1', 20000 + i)) throw new Error('a valid check was not routed');
  }
  const rtp = Buffer.alloc(1100);
  rtp[0] = 0x80;
  const n = 2_000_000;
  for (let round = 1; round <= 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (table.route(rtp, '127.0.0.1', 20000 + (i % CONNECTIONS))) delivered++;
    console.log(`round ${round}: a datagram from a known address: ${(Number(process.hrtime.bigint() - t0) / n).toFixed(1)} ns`);
  }
  const c = check('u7');
  const m = 100_000;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < m; i++) if (table.route(c, '127.0.0.1', 20007)) delivered++;
  console.log(`an ICE check (USERNAME lookup + HMAC-SHA1 verify): ${(Number(process.hrtime.bigint() - t1) / m / 1000).toFixed(2)} µs`);
  if (delivered !== 3 * n + m) throw new Error(`routed ${delivered}, expected ${3 * n + m}`);
}
