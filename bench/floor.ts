// The floor: the least work one Node thread must do per forwarded packet — an SRTP encryption of a
// 1,100-byte packet and one dgram send on loopback — measured alone and together. AES-128-GCM and
// AES_CM_128_HMAC_SHA1_80 rows use the server's own protectors (packages/server/src/media/srtp-protect.ts).
//   npm run bench -- floor [--packets 200000] [--subs 50]
import { createCipheriv, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { printTable, writeResult } from './report.ts';
import { AeadAes128GcmProtector, AesCm128HmacSha1_80Protector } from '../packages/server/src/media/srtp-protect.ts';

/** User + system CPU time of this process (µs). */
export function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** `n` UDP sockets bound on loopback. */
export async function bound(n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<Socket>((resolve) => {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { packets: { type: 'string', default: '200000' }, subs: { type: 'string', default: '50' } } });
  const packets = Math.min(5_000_000, Math.max(1000, Number(values.packets)));
  const subs = Math.min(500, Math.max(1, Number(values.subs)));
  const key = randomBytes(16);
  const salt = randomBytes(12);
  const payload = randomBytes(1100);
  const iv = Buffer.alloc(12);
  const receivers = await bound(subs); // never read: the kernel drops what overflows, the send still costs its syscall
  const sender = await bound(1);
  const connected = await bound(subs);
  await Promise.all(connected.map((s, i) => new Promise<void>((r) => s.connect(receivers[i]!.address().port, '127.0.0.1', () => r()))));
  const ports = receivers.map((r) => r.address().port);

  const encrypt = (seq: number): Buffer[] => {
    const header = Buffer.allocUnsafe(12);
    header[0] = 0x80;
    header[1] = 96;
    header.writeUInt16BE(seq & 0xffff, 2);
    header.writeUInt32BE(seq * 3000, 4);
    header.writeUInt32BE(0x1234, 8);
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(0x1234, 2);
    iv.writeUInt32BE(0, 6);
    iv.writeUInt16BE(seq & 0xffff, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    const c = createCipheriv('aes-128-gcm', key, iv);
    c.setAAD(header);
    const ct = c.update(payload);
    c.final();
    return [header, ct, c.getAuthTag()];
  };
  const gcm = new AeadAes128GcmProtector(key, salt);
  const cm = new AesCm128HmacSha1_80Protector(key, randomBytes(14), randomBytes(20));
  const header = (seq: number): Buffer => {
    const h = Buffer.allocUnsafe(12);
    h[0] = 0x80;
    h[1] = 96;
    h.writeUInt16BE(seq & 0xffff, 2);
    h.writeUInt32BE((seq * 3000) >>> 0, 4);
    h.writeUInt32BE(0x1234, 8);
    return h;
  };
  const protect = (p: typeof gcm | typeof cm, i: number): Buffer[] => p.protect(header(i), 0x1234, i >>> 16, i & 0xffff, undefined, payload);
  const variants: [string, (i: number) => void][] = [
    ['GCM encrypt only', (i) => void encrypt(i)],
    ['GCM encrypt only (server protector)', (i) => void protect(gcm, i)],
    ['CM-SHA1-80 encrypt only (server protector)', (i) => void protect(cm, i)],
    ['send only (unconnected, [h, p])', (i) => sender[0]!.send([payload.subarray(0, 12), payload], ports[i % subs]!, '127.0.0.1')],
    ['send only (connected)', (i) => connected[i % subs]!.send(payload)],
    ['GCM + send (unconnected, as werift sockets)', (i) => sender[0]!.send(encrypt(i), ports[i % subs]!, '127.0.0.1')],
    ['GCM + send (connected)', (i) => connected[i % subs]!.send(encrypt(i))],
    ['GCM (server protector) + send (unconnected)', (i) => sender[0]!.send(protect(gcm, i), ports[i % subs]!, '127.0.0.1')],
    ['CM-SHA1-80 (server protector) + send (unconnected)', (i) => sender[0]!.send(protect(cm, i), ports[i % subs]!, '127.0.0.1')],
  ];
  const rows: Record<string, string | number>[] = [];
  for (const [name, fn] of variants) {
    // in slices, yielding so the sends drain (dgram queues while a turn runs)
    const t0 = cpuUs();
    const w0 = performance.now();
    for (let done = 0; done < packets; ) {
      const end = Math.min(packets, done + 2000);
      for (; done < end; done++) fn(done);
      await new Promise((r) => setImmediate(r));
    }
    rows.push({ variant: name, packets, 'CPU µs/pkt': (cpuUs() - t0) / packets, 'wall µs/pkt': ((performance.now() - w0) * 1000) / packets });
  }
  for (const s of [...receivers, ...sender, ...connected]) s.close();
  console.log(`floor per forwarded packet (1,100-byte payload, ${subs} destinations round-robin, one thread, Node ${process.version})`);
  printTable(rows);
  console.log(`wrote ${writeResult('floor', { packets, subs, rows })}`);
}
