import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AimdRateControl } from './rate-control.ts';
import type { BandwidthUsage } from './delay-based.ts';

/** Runs `usage` every `stepMs` over [fromMs, toMs] with a fixed acknowledged rate. */
function drive(c: AimdRateControl, fromMs: number, toMs: number, usage: BandwidthUsage, ackedBps: number | undefined, stepMs = 50, rttMs = 100): void {
  for (let t = fromMs; t <= toMs; t += stepMs) c.update({ usage, ackedBps, nowMs: t, rttMs });
}

test('overuse cuts to 0.85 × the acknowledged rate and holds', () => {
  const c = new AimdRateControl({ initialBps: 1_000_000 });
  c.update({ usage: 'overusing', ackedBps: 300_000, nowMs: 0, rttMs: 100 });
  assert.equal(c.bps, 255_000);
  assert.equal(c.state, 'hold');
  assert.equal(c.capacityBps, 300_000);
});

test('a cut never raises the rate, and without a measurement it cuts the rate itself', () => {
  const c = new AimdRateControl({ initialBps: 200_000 });
  c.update({ usage: 'overusing', ackedBps: 1_000_000, nowMs: 0, rttMs: 100 });
  assert.equal(c.bps, 200_000);
  const d = new AimdRateControl({ initialBps: 200_000 });
  d.update({ usage: 'overusing', ackedBps: undefined, nowMs: 0, rttMs: 100 });
  assert.equal(d.bps, 170_000);
});

test('continued overuse cuts again only after a round trip (10..200 ms), or at once if far above what is acknowledged', () => {
  const c = new AimdRateControl({ initialBps: 1_000_000 });
  c.update({ usage: 'overusing', ackedBps: 800_000, nowMs: 0, rttMs: 100 });
  assert.equal(c.bps, 680_000);
  c.update({ usage: 'overusing', ackedBps: 700_000, nowMs: 50, rttMs: 100 });
  assert.equal(c.bps, 680_000, 'within the RTT');
  c.update({ usage: 'overusing', ackedBps: 700_000, nowMs: 100, rttMs: 100 });
  assert.equal(c.bps, 595_000);
  c.update({ usage: 'overusing', ackedBps: 200_000, nowMs: 110, rttMs: 100 });
  assert.equal(c.bps, 170_000, 'acknowledged rate under half the estimate');
  assert.equal(c.mayDecrease(120, 5000, undefined), false);
  assert.equal(c.mayDecrease(310, 5000, undefined), true, 'RTT clamped to 200 ms');
});

test('far from any congestion point the rate grows 8% per second', () => {
  const c = new AimdRateControl({ initialBps: 500_000 });
  drive(c, 0, 10_000, 'normal', 2_000_000);
  const want = 500_000 * 1.08 ** 10;
  assert.ok(Math.abs(c.bps - want) < 0.01 * want, `${c.bps} vs ${want}`);
  assert.equal(c.state, 'increase');
});

test('near the congestion point the rate grows additively, about a packet per response time', () => {
  const c = new AimdRateControl({ initialBps: 1_000_000 });
  c.update({ usage: 'overusing', ackedBps: 1_000_000, nowMs: 0, rttMs: 100 }); // → 850k, capacity 1M
  assert.equal(c.nearCapacity(850_000), true);
  drive(c, 50, 450, 'normal', 1_000_000);
  // 850 kbps at 30 fps: 28 333-bit frames in 3 packets of 9 444 bits, one per 2 × (100 + 100) ms
  const perSecond = (c.bps - 850_000) / 0.45;
  assert.ok(Math.abs(perSecond - 9444.4 / 0.4) < 500, `${perSecond} bps/s`);
  assert.ok(perSecond < 0.08 * 850_000 * 0.5, 'much slower than multiplicative');
});

test('acknowledged rate far above the congestion point forgets it: multiplicative again', () => {
  const c = new AimdRateControl({ initialBps: 1_000_000 });
  c.update({ usage: 'overusing', ackedBps: 300_000, nowMs: 0, rttMs: 100 });
  assert.equal(c.capacityBps, 300_000);
  c.update({ usage: 'normal', ackedBps: 600_000, nowMs: 100, rttMs: 100 });
  assert.equal(c.capacityBps, undefined);
  const before = c.bps;
  drive(c, 200, 1200, 'normal', 600_000, 100);
  assert.ok(c.bps / before > 1.07, `${c.bps / before}`);
});

test('underuse holds, normal resumes the increase', () => {
  const c = new AimdRateControl({ initialBps: 500_000 });
  drive(c, 0, 1000, 'underusing', 500_000);
  assert.equal(c.bps, 500_000);
  assert.equal(c.state, 'hold');
  drive(c, 1050, 2000, 'normal', 500_000);
  assert.ok(c.bps > 500_000);
  assert.equal(c.state, 'increase');
});

test('increases stop at 1.5 × acknowledged + 10 kbps, which never pulls the rate down', () => {
  const c = new AimdRateControl({ initialBps: 500_000 });
  drive(c, 0, 30_000, 'normal', 400_000);
  assert.equal(c.bps, 610_000);
  const d = new AimdRateControl({ initialBps: 2_000_000 });
  drive(d, 0, 5_000, 'normal', 100_000);
  assert.equal(d.bps, 2_000_000);
});

test('the first update and long gaps do not leap', () => {
  const c = new AimdRateControl({ initialBps: 500_000 });
  c.update({ usage: 'normal', ackedBps: undefined, nowMs: 0, rttMs: 100 });
  assert.equal(c.bps, 500_000);
  c.update({ usage: 'normal', ackedBps: undefined, nowMs: 60_000, rttMs: 100 });
  assert.equal(c.bps, 540_000, 'a minute without feedback counts as one second');
});

test('bounds, setBps and bad options', () => {
  const c = new AimdRateControl({ initialBps: 100, minBps: 50_000, maxBps: 1_000_000 });
  assert.equal(c.bps, 50_000);
  c.setBps(3_000_000, 0);
  assert.equal(c.bps, 1_000_000);
  drive(c, 0, 20_000, 'normal', undefined);
  assert.equal(c.bps, 1_000_000);
  c.update({ usage: 'overusing', ackedBps: 10_000, nowMs: 30_000, rttMs: 10 });
  assert.equal(c.bps, 50_000);
  assert.throws(() => new AimdRateControl({ initialBps: 1, minBps: 10, maxBps: 5 }), RangeError);
  assert.throws(() => new AimdRateControl({ initialBps: 1, beta: 1 }), RangeError);
  assert.throws(() => new AimdRateControl({ initialBps: 1, increasePerSecond: 1 }), RangeError);
});
