import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { classes, Message, methods } from 'werift';
import type { MuxPeer, RemoteAddress } from './demux-table.ts';
import { UdpMux } from './udp-mux.ts';

/** A loopback client socket. */
async function client(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

function peer(password: () => string): MuxPeer & { got: { data: Buffer; from: RemoteAddress }[] } {
  const got: { data: Buffer; from: RemoteAddress }[] = [];
  return { got, password: () => password(), receive: (data, from) => void got.push({ data, from }) };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function check(ufrag: string, password: string): Buffer {
  return new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufrag}:c`).addMessageIntegrity(Buffer.from(password)).addFingerprint().bytes;
}

test('two agents on one socket: each gets its own remote, sends back through the same port, and leaves without a trace', async () => {
  const mux = await UdpMux.bind({ port: 0, address: '127.0.0.1' });
  const [c1, c2] = [await client(), await client()];
  try {
    const p1 = peer(() => 'pw1');
    const p2 = peer(() => 'pw2');
    const l1 = mux.open(p1);
    const l2 = mux.open(p2);
    const u1 = l1.renewUfrag();
    const u2 = l2.renewUfrag();
    assert.notEqual(u1, u2);
    assert.equal(u1.length, 16);
    c1.send(check(u1, 'pw1'), mux.port, '127.0.0.1');
    c2.send(check(u2, 'pw2'), mux.port, '127.0.0.1');
    await until(() => p1.got.length === 1 && p2.got.length === 1);
    c1.send(Buffer.from([0x80, 96, 1, 2]), mux.port, '127.0.0.1');
    await until(() => p1.got.length === 2);
    assert.deepEqual(p1.got[1]!.from, ['127.0.0.1', c1.address().port]);
    assert.equal(p2.got.length, 1);
    // the agent answers through the shared port
    const back = once(c2, 'message');
    l2.send(Buffer.from('hello'), '127.0.0.1', c2.address().port);
    const [data, rinfo] = (await back) as [Buffer, { port: number }];
    assert.equal(String(data), 'hello');
    assert.equal(rinfo.port, mux.port);
    assert.equal(l1.socket, mux.socket);
    l1.close();
    l2.close();
    assert.equal(l1.closed, true);
    c1.send(Buffer.from([0x80, 96, 1, 2]), mux.port, '127.0.0.1');
    await until(() => mux.stats().dropped.unknownAddress === 1);
    assert.equal(p1.got.length, 2);
    const s = mux.stats();
    assert.deepEqual({ peers: s.peers, ufrags: s.ufrags, addresses: s.addresses, transactions: s.transactions }, { peers: 0, ufrags: 0, addresses: 0, transactions: 0 });
    assert.equal(s.received, 4);
  } finally {
    c1.close();
    c2.close();
    await mux.close();
  }
});

test('an agent that throws does not stop the socket', async () => {
  const errors: string[] = [];
  const mux = await UdpMux.bind({ port: 0, address: '127.0.0.1', onError: (m) => errors.push(m) });
  const c = await client();
  try {
    let n = 0;
    const link = mux.open({
      password: () => 'pw',
      receive: () => {
        if (++n === 1) throw new Error('boom');
      },
    });
    const u = link.renewUfrag();
    c.send(check(u, 'pw'), mux.port, '127.0.0.1');
    c.send(check(u, 'pw'), mux.port, '127.0.0.1');
    await until(() => n === 2);
    assert.deepEqual(errors, ['a media datagram could not be handled']);
  } finally {
    c.close();
    await mux.close();
  }
});

test('a taken port is a clear error; a closed mux sends nothing and does not throw', async () => {
  const mux = await UdpMux.bind({ port: 0, address: '127.0.0.1' });
  await assert.rejects(UdpMux.bind({ port: mux.port, address: '127.0.0.1' }), new RegExp(`cannot bind the media UDP port 127.0.0.1:${mux.port}`));
  const link = mux.open(peer(() => 'pw'));
  link.renewUfrag();
  await mux.close();
  assert.equal(link.closed, true);
  link.send(Buffer.from('late'), '127.0.0.1', 9);
});
