import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LossBasedController } from './loss-based.ts';

test('a window closes once it covers 20 packets and reports its loss fraction', () => {
  const c = new LossBasedController({ initialBps: 1_000_000 });
  assert.equal(c.onPackets(10, 2), undefined);
  assert.equal(c.onPackets(6, 1), undefined);
  assert.equal(c.onPackets(1, 0), 3 / 20);
  assert.equal(c.lossRate, 3 / 20);
  assert.equal(c.onPackets(19, 0), undefined, 'counts restart');
  assert.equal(c.onPackets(1, 0), 0);
  assert.ok(Math.abs(c.averageLoss - 0.7 * 0.3 * 0.15) < 1e-12);
});

test('packets recovered after being counted lost come off the lost count', () => {
  const c = new LossBasedController({ initialBps: 1_000_000, windowPackets: 10 });
  c.onPackets(5, 3);
  assert.equal(c.onPackets(2, 0, 2), 1 / 10);
  c.onPackets(0, 0, 5); // never below zero
  assert.equal(c.onPackets(10, 0), 0);
});

test('loss above 10% cuts the rate by half the loss fraction, from the lower of its own rate and the target', () => {
  const c = new LossBasedController({ initialBps: 1_000_000 });
  assert.equal(c.update(0.2, 1_000_000, 0, 100), 900_000);
  const d = new LossBasedController({ initialBps: 1_000_000 });
  assert.equal(d.update(0.5, 400_000, 0, 100), 300_000, 'the delay-based controller held the target at 400k');
});

test('cuts are at least 300 ms + RTT apart, also after a cut by the delay-based controller', () => {
  const c = new LossBasedController({ initialBps: 1_000_000 });
  c.update(0.2, 1_000_000, 1000, 100);
  assert.equal(c.update(0.2, 900_000, 1399, 100), 900_000, 'too soon');
  assert.equal(c.update(0.2, 900_000, 1400, 100), 810_000);
  c.onTargetCut(2000);
  assert.equal(c.update(0.4, 600_000, 2300, 100), 810_000, 'same congestion episode as the delay-based cut');
  assert.equal(c.update(0.4, 600_000, 2400, 100), 480_000);
});

test('loss between 2% and 10% holds the rate', () => {
  const c = new LossBasedController({ initialBps: 700_000 });
  for (let t = 0; t < 5000; t += 100) assert.equal(c.update(0.05, 700_000, t, 100), 700_000);
});

test('low loss grows the rate to 8% over the lowest target of the last second', () => {
  const c = new LossBasedController({ initialBps: 500_000 });
  let target = 500_000;
  c.recordTarget(target, 0);
  const series: number[] = [];
  for (let t = 100; t <= 10_000; t += 100) {
    target = c.update(0, target, t, 100);
    c.recordTarget(target, t);
    series.push(target);
  }
  assert.equal(series[0], 500_000 * 1.08 + 1000);
  // the base is the lowest target within the last second: ~8% per second, not per window
  const perSecond = (series[99]! / series[9]!) ** (1 / 9);
  assert.ok(perSecond > 1.07 && perSecond < 1.1, `growth ${perSecond}/s`);
});

test('the rate stays within its bounds, and reset() sets it outright', () => {
  const c = new LossBasedController({ initialBps: 40_000, minBps: 30_000, maxBps: 2_000_000 });
  for (let t = 0; t < 20_000; t += 500) c.update(0.9, c.bps, t, 0);
  assert.equal(c.bps, 30_000);
  c.reset(5_000_000, 0);
  assert.equal(c.bps, 2_000_000);
  assert.throws(() => new LossBasedController({ initialBps: 1, windowPackets: 0 }), RangeError);
  assert.throws(() => new LossBasedController({ initialBps: 1, lowLoss: 0.2, highLoss: 0.1 }), RangeError);
});
