import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { loadNativeAddon, type NativeAddon } from '../native/addon.ts';
import { ArrivalClock } from './arrival-clock.ts';

function addon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Sends `count` datagrams 10 ms apart to a socket whose event loop is blocked meanwhile (as a
 * busy server's is), then lets it handle them: the clock's arrivals and the handling times.
 */
async function arrivalsWhileBlocked(clock: ArrivalClock, count: number): Promise<{ arrivals: number[]; handled: number[] }> {
  const receiver = createSocket('udp4');
  const sender = createSocket('udp4');
  try {
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address();
    const arrivals: number[] = [];
    const handled: number[] = [];
    const got = new Promise<void>((resolve) => {
      receiver.on('message', (data) => {
        clock.enter(receiver);
        try {
          if (data[0] === 1) {
            arrivals.push(clock.arrival());
            handled.push(performance.now());
          }
        } finally {
          clock.leave();
        }
        if (arrivals.length === count) resolve();
      });
    });
    // a first datagram (a STUN check, in a call) lets the clock turn the kernel's stamps on
    sender.send(Buffer.from([0]), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    // the child-free way to send while this loop is blocked: the sends are synchronous syscalls
    // once the socket is bound (sendto on a connected socket), queued by libuv otherwise
    sender.connect(port, '127.0.0.1');
    await once(sender, 'connect');
    for (let i = 0; i < count; i++) {
      sender.send(Buffer.from([1, i]));
      sleepSync(10);
    }
    sleepSync(30);
    await got;
    return { arrivals, handled };
  } finally {
    receiver.close();
    sender.close();
  }
}

test('with the native module, arrivals are the kernel receive times, not the handling times', async () => {
  const { arrivals, handled } = await arrivalsWhileBlocked(new ArrivalClock(addon()), 5);
  const spread = (xs: number[]) => xs[xs.length - 1]! - xs[0]!;
  // sent 10 ms apart while the loop slept: handled back to back, arrived 40 ms apart
  assert.ok(spread(handled) < 10, `handled within ${spread(handled)} ms`);
  assert.ok(spread(arrivals) > 30 && spread(arrivals) < 80, `arrivals spread ${spread(arrivals)} ms`);
  for (let i = 1; i < arrivals.length; i++) {
    const gap = arrivals[i]! - arrivals[i - 1]!;
    assert.ok(gap > 5 && gap < 30, `gap ${i}: ${gap} ms`);
  }
  for (let i = 0; i < arrivals.length; i++) assert.ok(arrivals[i]! <= handled[i]!, 'an arrival precedes its handling');
});

test('without the module (or outside a datagram\'s handling), arrival is the handling time', async () => {
  const { arrivals, handled } = await arrivalsWhileBlocked(new ArrivalClock(), 3);
  for (let i = 0; i < arrivals.length; i++) assert.ok(Math.abs(arrivals[i]! - handled[i]!) < 2);
  const clock = new ArrivalClock(addon(), () => 1234);
  assert.equal(clock.kernelStamps, true);
  assert.equal(clock.arrival(), 1234);
});

test('a socket without a descriptor, an unknown stamp or an absurd age falls back to now', async () => {
  const ages = [-1, 5, -1, 20_000];
  let asked = 0;
  const stamps = { receivedAgo: () => (asked++, ages.shift() ?? -1) };
  const clock = new ArrivalClock(stamps, () => 1000);
  // an unbound socket has no descriptor: nothing is asked
  const unbound = createSocket('udp4') as Socket;
  clock.enter(unbound);
  assert.equal(clock.arrival(), 1000);
  assert.equal(asked, 0);
  clock.leave();
  unbound.close();
  const bound = createSocket('udp4');
  bound.bind(0, '127.0.0.1');
  await once(bound, 'listening');
  try {
    clock.enter(bound); // the first datagram of a socket turns its stamps on
    assert.equal(asked, 1);
    assert.equal(clock.arrival(), 995);
    assert.equal(clock.arrival(), 1000, 'unknown');
    assert.equal(clock.arrival(), 1000, '20 s old: the clock was set');
    clock.leave();
    assert.equal(clock.arrival(), 1000, 'outside a handling');
    assert.equal(asked, 4);
  } finally {
    bound.close();
  }
});
