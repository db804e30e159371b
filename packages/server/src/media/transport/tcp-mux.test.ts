import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { classes, Message, methods } from 'werift';
import { DemuxTable, type MuxPeer, type RemoteAddress } from './demux-table.ts';
import { TcpMux, type TcpMuxPeer } from './tcp-mux.ts';

/** RFC 4571 framing: a 2-byte length, then the frame. */
const framed = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
const check = (ufrag: string, password: string): Buffer =>
  new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufrag}:c`).addMessageIntegrity(Buffer.from(password)).addFingerprint().bytes;

async function setup(firstFrameTimeoutMs = 5000) {
  const table = new DemuxTable();
  const taken: { socket: Socket; from: RemoteAddress; read: Buffer[] }[] = [];
  const peer: MuxPeer & TcpMuxPeer = {
    password: () => 'pw',
    receive: () => undefined,
    // as werift's passive protocol does: it starts reading the socket at once
    acceptTcp: (socket, from) => {
      const read: Buffer[] = [];
      socket.on('data', (d: Buffer) => read.push(d));
      taken.push({ socket, from, read });
      return true;
    },
  };
  table.setUfrag(table.add(peer), 'agent1');
  const mux = await TcpMux.listen({ port: 0, address: '127.0.0.1', table, firstFrameTimeoutMs });
  const dial = async (): Promise<Socket> => {
    const s = connect(mux.port, '127.0.0.1');
    await once(s, 'connect');
    return s;
  };
  return { table, mux, taken, dial };
}

const closed = (s: Socket): Promise<unknown> => (s.destroyed || s.readableEnded ? Promise.resolve() : once(s, 'close'));

test('a connection whose first frame is a valid check is handed to its agent with every byte still to read', async () => {
  const { mux, taken, dial } = await setup();
  const client = await dial();
  try {
    const first = framed(check('agent1', 'pw'));
    const more = framed(Buffer.from('after the check'));
    // the check arrives in two pieces, the next frame with its end
    client.write(first.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 30));
    client.write(Buffer.concat([first.subarray(7), more]));
    for (let i = 0; i < 100 && taken.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(taken.length, 1);
    assert.deepEqual(taken[0]!.from, ['127.0.0.1', client.localPort]);
    // the agent reads the stream from its start
    const { read } = taken[0]!;
    for (let i = 0; i < 100 && Buffer.concat(read).length < first.length + more.length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(Buffer.concat(read), Buffer.concat([first, more]));
    assert.deepEqual(mux.stats(), { accepted: 1, claimed: 1, rejected: 0, pending: 0 });
  } finally {
    client.destroy();
    for (const t of taken) t.socket.destroy();
    await mux.close();
  }
});

test('garbage, an unknown ufrag, a forged integrity, an oversized frame or silence get the connection closed', async () => {
  const { mux, taken, dial } = await setup(200);
  try {
    const cases: (Buffer | undefined)[] = [
      framed(Buffer.from('definitely not STUN, but a frame nonetheless')),
      framed(check('nobody', 'pw')),
      framed(check('agent1', 'forged')),
      Buffer.from([0xff, 0xff, 1, 2, 3]),
      undefined, // says nothing: closed after the timeout
    ];
    for (const bytes of cases) {
      const client = await dial();
      client.on('error', () => undefined);
      if (bytes) client.write(bytes);
      await closed(client);
    }
    assert.equal(taken.length, 0);
    assert.deepEqual(mux.stats(), { accepted: 5, claimed: 0, rejected: 5, pending: 0 });
  } finally {
    await mux.close();
  }
});
