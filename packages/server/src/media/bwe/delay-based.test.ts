import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayBasedDetector, type BandwidthUsage } from './delay-based.ts';

/**
 * Feeds packets sent every `gapMs` from `fromMs` to `toMs`, arriving after `delay(sendMs)`;
 * returns the verdict after each packet, keyed by send time.
 */
function run(d: DelayBasedDetector, fromMs: number, toMs: number, gapMs: number, delay: (t: number) => number): [number, BandwidthUsage][] {
  const out: [number, BandwidthUsage][] = [];
  for (let t = fromMs; t < toMs; t += gapMs) {
    d.onPacket(t, 7_777_777 + t + delay(t));
    out.push([t, d.state]);
  }
  return out;
}

const firstTime = (series: [number, BandwidthUsage][], s: BandwidthUsage) => series.find(([, v]) => v === s)?.[0];

test('constant delay is normal, with a flat trend', () => {
  const d = new DelayBasedDetector();
  const series = run(d, 0, 5000, 10, () => 30);
  assert.ok(series.every(([, s]) => s === 'normal'));
  assert.equal(d.slope, 0);
  assert.equal(d.trend, 0);
});

test('packets within 5 ms of a group start form one group', () => {
  const d = new DelayBasedDetector();
  run(d, 0, 1000, 1, () => 20); // 1000 packets, 1 ms apart
  // groups start at 0, 6, 12, ...: 6 packets each (send offsets 0..5 ms)
  assert.equal(d.groups, Math.floor(999 / 6));
  const e = new DelayBasedDetector({ burstMs: 2 });
  run(e, 0, 1000, 1, () => 20);
  assert.equal(e.groups, Math.floor(999 / 3));
});

test('a building queue is overuse, detected within a few hundred ms, and not before it starts', () => {
  const d = new DelayBasedDetector();
  // 1200-byte packets at 1 Mbps (9.6 ms apart) into a 700 kbps bottleneck from t = 2 s:
  // queueing delay grows by 0.43 ms per ms.
  const series = run(d, 0, 4000, 9.6, (t) => 25 + (t > 2000 ? (t - 2000) * (1 - 0.7) / 0.7 : 0));
  assert.ok(series.filter(([t]) => t <= 2000).every(([, s]) => s === 'normal'), 'normal before the queue');
  const at = firstTime(series, 'overusing');
  assert.ok(at !== undefined && at > 2000 && at < 2400, `overuse at ${at}`);
  // delay grows 0.43 ms per ms of send time, i.e. 0.3 ms per ms of arrival time
  assert.ok(Math.abs(d.slope - 0.3) < 0.01, `slope ${d.slope}`);
});

test('a draining queue is underuse', () => {
  const d = new DelayBasedDetector();
  // 500 ms of standing queue drains at 0.3 ms per ms from t = 1 s until empty.
  const series = run(d, 0, 4000, 10, (t) => 20 + Math.max(0, 500 - Math.max(0, t - 1000) * 0.3));
  assert.ok(series.filter(([t]) => t < 1000).every(([, s]) => s === 'normal'));
  const at = firstTime(series, 'underusing');
  assert.ok(at !== undefined && at > 1000 && at < 1400, `underuse at ${at}`);
  assert.ok(series.filter(([t]) => t > 3500).every(([, s]) => s === 'normal'), 'normal again once drained');
});

test('the threshold rises under a persistent moderate trend and decays to its floor when flat', () => {
  const d = new DelayBasedDetector();
  assert.equal(d.threshold, 12.5);
  // a slow queue growth (6.5%) gives a trend a little above the initial threshold for a long time
  run(d, 0, 20_000, 10, (t) => 20 + t * 0.065);
  const risen = d.threshold;
  assert.ok(risen > 13.5 && risen < 16, `risen to ${risen}`);
  run(d, 20_000, 60_000, 10, () => 20 + 20_000 * 0.065);
  assert.ok(d.threshold < risen, `decayed to ${d.threshold}`);
  assert.equal(d.threshold, 6);
});

test('the threshold does not chase a trend far above it', () => {
  const d = new DelayBasedDetector();
  const series = run(d, 0, 3000, 10, (t) => 20 + Math.max(0, t - 1000)); // delay doubles: trend ≫ threshold + 15
  assert.ok(d.trend > 100, `trend ${d.trend}`);
  assert.ok(d.threshold < 20, `threshold ${d.threshold}`);
  assert.equal(series.at(-1)![1], 'overusing');
});

test('packets sent before the open group (reordered or late) are ignored', () => {
  const d = new DelayBasedDetector();
  run(d, 0, 500, 10, () => 20);
  const groups = d.groups;
  const trend = d.trend;
  d.onPacket(100, 7_777_777 + 100 + 5000); // stale, with an absurd delay
  d.onPacket(NaN, 1);
  assert.equal(d.groups, groups);
  assert.equal(d.trend, trend);
  assert.equal(d.state, 'normal');
});

test('packets released together from a queue join the group they queued behind', () => {
  const d = new DelayBasedDetector();
  // sent 10 ms apart, but arriving in bursts of 4 packets 1 ms apart every 40 ms
  for (let k = 0; k < 400; k++) {
    const send = k * 10;
    const arrive = Math.floor(k / 4) * 40 + (k % 4) + 50;
    d.onPacket(send, arrive);
  }
  assert.ok(d.groups <= 101, `${d.groups} groups`);
  const plain = new DelayBasedDetector();
  run(plain, 0, 4000, 10, () => 50);
  assert.equal(plain.groups, 399);
});

test('verdicts ignore the receiver clock offset', () => {
  const states = (offset: number) => {
    const d = new DelayBasedDetector();
    const out: BandwidthUsage[] = [];
    for (let t = 0; t < 3000; t += 8) {
      d.onPacket(t, offset + t + 20 + (t > 1500 ? (t - 1500) * 0.4 : 0));
      out.push(d.state);
    }
    return out;
  };
  const a = states(0);
  assert.ok(a.includes('overusing'));
  assert.deepEqual(states(-9_999_999.5), a);
});

test('a clock jump restarts the estimate instead of reading it as congestion', () => {
  const d = new DelayBasedDetector();
  run(d, 0, 1000, 10, () => 20);
  run(d, 1000, 3000, 10, () => 20 + 10_000); // receiver clock jumped 10 s forward
  assert.equal(d.state, 'normal');
  assert.ok(Math.abs(d.trend) < 1);
});

test('bad options are rejected', () => {
  assert.throws(() => new DelayBasedDetector({ windowSize: 1 }), RangeError);
  assert.throws(() => new DelayBasedDetector({ burstMs: 0 }), RangeError);
});
