import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { RTCPeerConnection } from 'werift';
import '../../packages/server/src/media/werift-adapter.ts';
import { connectPair } from '../../packages/server/src/media/werift-pair.testing.ts';
import { addon, arrivalClock, DelaySamples, socketClock } from './arrival-stamps.ts';
import { LOOPBACK } from './werift-media.ts';

const native = addon();

/** Holds the event loop for `ms`: the harness busy elsewhere. */
function hold(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a delay ends at the kernel stamp when the clock has one, else at the handling', () => {
  const d = new DelaySamples();
  const sent = performance.now() - 50;
  d.add(sent, () => sent + 3);
  d.add(sent, () => NaN);
  d.add(sent, undefined);
  assert.equal(d.delays[0], 3);
  assert.ok(d.delays[1]! >= 50 && d.delays[2]! >= 50, 'no stamp: to the handling');
  assert.equal(d.handledDelays.length, 3);
  assert.ok(d.handledDelays.every((h) => h >= 50));
  assert.equal(d.kernelStamped, 1);
  d.clear();
  assert.deepEqual([d.delays.length, d.handledDelays.length, d.kernelStamped], [0, 0, 0]);
});

test('a socket clock gives when the datagram arrived, not when a held event loop handled it', async () => {
  // CI builds the module (npm ci); without it the benchmarks fall back to handling times
  if (!native) assert.fail('the native module is not built (npm run build:native)');
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  try {
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const clock = socketClock(native, rx);
    assert.ok(Number.isNaN(clock()), 'the first ask turns stamping on');
    // (the kernel turns its stamping on shortly after: the benchmarks ask at the connection's start)
    await new Promise((r) => setTimeout(r, 200));
    const got: { arrival: number; handled: number }[] = [];
    rx.on('message', () => got.push({ arrival: clock(), handled: performance.now() }));
    // a connected socket sends at once (an address would be looked up first, after this turn)
    tx.connect(rx.address().port, '127.0.0.1');
    await once(tx, 'connect');
    const sentAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      sentAt.push(performance.now());
      tx.send(Buffer.from([i]));
      hold(40);
    }
    for (let i = 0; i < 50 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 3);
    got.forEach((g, i) => {
      assert.ok(Math.abs(g.arrival - sentAt[i]!) < 15, `datagram ${i} arrived ${(g.arrival - sentAt[i]!).toFixed(1)} ms after it was sent`);
      assert.ok(g.handled - g.arrival >= 40 * (3 - i) - 15, `and was handled ${(g.handled - g.arrival).toFixed(1)} ms after it arrived`);
    });
  } finally {
    rx.close();
    tx.close();
  }
});

test('a connection\'s clock reads the socket of its nominated pair', async () => {
  if (!native) assert.fail('the native module is not built (npm run build:native)');
  const near = new RTCPeerConnection(LOOPBACK);
  const far = new RTCPeerConnection(LOOPBACK);
  try {
    await connectPair(near, far);
    const clock = arrivalClock(far);
    assert.ok(clock);
    const socket = (far as unknown as { iceTransports: { connection: { nominated: { protocol: { transport: { socket: Socket } } } } }[] }).iceTransports[0]!.connection.nominated.protocol.transport.socket;
    assert.ok(Number.isNaN(clock()), 'the first ask turns stamping on');
    await new Promise((r) => setTimeout(r, 200));
    const arrivals: number[] = [];
    socket.prependListener('message', () => arrivals.push(clock()));
    const sent = performance.now();
    // its opening message (DCEP over SCTP over DTLS) goes to far's nominated socket
    near.createDataChannel('y');
    for (let i = 0; i < 50 && arrivals.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(arrivals.length > 0, 'the message reached the nominated socket');
    assert.ok(arrivals.every((a) => Number.isFinite(a) && a >= sent - 1 && a <= performance.now()), `arrivals ${arrivals.map((a) => (a - sent).toFixed(1)).join(', ')} ms after the send`);
  } finally {
    await near.close();
    await far.close();
  }
});
