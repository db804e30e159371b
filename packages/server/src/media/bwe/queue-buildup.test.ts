import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueueBuildupDetector } from './queue-buildup.ts';
import { prng } from './test-link.ts';

const OFFSET = 5000; // the receiver's clock runs ahead: only differences count
const SIZE = 1200;

/**
 * Packets of {@link SIZE} bytes sent evenly at `sendBps` through a bottleneck of `linkBps`
 * (a queue with no limit) with `extraMs(i)` more delay each (order kept), as feedback every
 * 50 ms; returns what {@link QueueBuildupDetector.poll} said after each feedback.
 */
function run(d: QueueBuildupDetector, opts: { sendBps: number; linkBps: number; ms: number; extraMs?: (i: number) => number; startMs?: number }): (number | undefined)[] {
  const gap = (SIZE * 8000) / opts.sendBps;
  const wire = (SIZE * 8000) / opts.linkBps;
  const start = opts.startMs ?? 0;
  const out: (number | undefined)[] = [];
  let free = start;
  let lastArrival = -Infinity;
  let pending: [number, number][] = [];
  let nextFeedback = start + 50;
  let count = 0;
  for (let i = 0; start + i * gap < start + opts.ms; i++) {
    const sent = start + i * gap;
    free = Math.max(free, sent) + wire;
    const arrival = Math.max(lastArrival, free + 20 + (opts.extraMs?.(i) ?? 0));
    lastArrival = arrival;
    while (arrival >= nextFeedback) {
      if (d.beginFeedback(count++ & 0xff)) {
        for (const [s, a] of pending) d.onPacket(s, a + OFFSET, SIZE);
        out.push(d.poll());
      }
      pending = [];
      nextFeedback += 50;
    }
    pending.push([sent, arrival]);
  }
  return out;
}

test('a link that narrows to a third: the queue is seen within 200 ms, and its rate measured', () => {
  const d = new QueueBuildupDetector();
  // 2 s of 900 kbps on a fast link: no queue
  assert.ok(run(d, { sendBps: 900_000, linkBps: 10_000_000, ms: 2000 }).every((r) => r === undefined));
  // then the link carries 300 kbps
  const after = run(d, { sendBps: 900_000, linkBps: 300_000, ms: 600, startMs: 2000 });
  const first = after.findIndex((r) => r !== undefined);
  assert.ok(first >= 0 && first <= 3, `first seen at feedback ${first} (of 50 ms each)`);
  const rate = after[first]!;
  assert.ok(rate > 270_000 && rate < 330_000, `measured ${Math.round(rate / 1000)} kbps`);
});

test('no queue building: an open link, random jitter, a stall released in a burst', () => {
  const d = new QueueBuildupDetector();
  assert.ok(run(d, { sendBps: 2_000_000, linkBps: 20_000_000, ms: 5000 }).every((r) => r === undefined), 'open link');
  const random = prng(7);
  const jittery = new QueueBuildupDetector();
  const seen = run(jittery, { sendBps: 1_000_000, linkBps: 20_000_000, ms: 20_000, extraMs: () => random() * 80 });
  assert.equal(seen.filter((r) => r !== undefined).length, 0, 'uniform 0–80 ms jitter');
  // a 150 ms stall every second: the held packets arrive together once it ends
  const stalled = new QueueBuildupDetector();
  const stall = (i: number) => {
    const t = (i * SIZE * 8000) / 1_000_000;
    const into = t % 1000;
    return into < 150 ? 150 - into : 0;
  };
  assert.ok(run(stalled, { sendBps: 1_000_000, linkBps: 20_000_000, ms: 10_000, extraMs: stall }).every((r) => r === undefined), 'stalls');
});

test('a standing delay learnt as the new floor is not a queue building', () => {
  const d = new QueueBuildupDetector({ baselineMs: 2000 });
  run(d, { sendBps: 500_000, linkBps: 10_000_000, ms: 2000 });
  // the path's delay grows by 100 ms for good (a route change) and then stays
  const later = run(d, { sendBps: 500_000, linkBps: 10_000_000, ms: 6000, startMs: 2000, extraMs: () => 100 });
  assert.ok(later.every((r) => r === undefined));
});

test('feedback: a duplicate is skipped; a count out of sequence starts measuring over', () => {
  const d = new QueueBuildupDetector();
  assert.equal(d.beginFeedback(254), true);
  assert.equal(d.beginFeedback(254), false, 'duplicate');
  assert.equal(d.beginFeedback(255), true);
  assert.equal(d.beginFeedback(0), true, 'the 8-bit count wraps');
  // a queue building, measured, then a feedback lost: what was measured is dropped
  for (let i = 0; i < 20; i++) d.onPacket(i * 10, OFFSET + i * 30, SIZE);
  assert.ok(d.poll() !== undefined);
  assert.equal(d.beginFeedback(2), true);
  assert.equal(d.poll(), undefined, 'nothing measured since the gap');
  assert.throws(() => new QueueBuildupDetector({ windowMs: 0 }), RangeError);
});

test('the ring grows with the rate: a fast link narrowing is measured; a slow stream keeps the first ring', () => {
  const d = new QueueBuildupDetector();
  // ~2,100 packets/s: 400 ms of arrivals (what a walk reaches back to) need more than 64 places
  assert.ok(run(d, { sendBps: 20_000_000, linkBps: 200_000_000, ms: 2000 }).every((r) => r === undefined));
  assert.ok(d.capacity > 64 && d.capacity <= 1024, `capacity ${d.capacity}`);
  const after = run(d, { sendBps: 20_000_000, linkBps: 6_000_000, ms: 600, startMs: 2000 });
  const first = after.findIndex((r) => r !== undefined);
  assert.ok(first >= 0 && first <= 3, `first seen at feedback ${first} (of 50 ms each)`);
  const rate = after[first]!;
  assert.ok(rate > 5_400_000 && rate < 6_600_000, `measured ${Math.round(rate / 1000)} kbps`);
  const slow = new QueueBuildupDetector();
  run(slow, { sendBps: 100_000, linkBps: 10_000_000, ms: 5000 });
  assert.equal(slow.capacity, 64);
});
