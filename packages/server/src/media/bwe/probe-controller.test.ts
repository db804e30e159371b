import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeController, type ProbeRequest } from './probe-controller.ts';

const rates = (reqs: (ProbeRequest | undefined)[]) => reqs.map((r) => r?.bitrateBps);

test('start probes at 3× and 6× the initial rate, one burst length apart', () => {
  const p = new ProbeController({ initialBps: 300_000, maxBps: 10_000_000 });
  const a = p.poll(0, 300_000, false);
  assert.deepEqual(a, { id: 0, bitrateBps: 900_000, durationMs: 15, minPackets: 5 });
  assert.equal(p.poll(10, 300_000, false), undefined, 'previous burst still running');
  assert.equal(p.poll(15, 300_000, false)?.bitrateBps, 1_800_000);
  assert.equal(p.inSeries, true);
  assert.equal(p.poll(100, 300_000, false), undefined, 'nothing more until a result');
});

test('a series continues at twice what the last burst proved while it proves ≥ 70% of its rate', () => {
  const p = new ProbeController({ initialBps: 300_000, maxBps: 5_000_000 });
  p.poll(0, 300_000, false);
  const b = p.poll(15, 300_000, false)!;
  p.onResult(0, 850_000); // the first burst's result does not steer the series
  assert.equal(p.poll(100, 850_000, false), undefined);
  p.onResult(b.id, 1_700_000);
  const c = p.poll(120, 1_700_000, false)!;
  assert.equal(c.bitrateBps, 3_400_000);
  p.onResult(c.id, 3_300_000);
  const d = p.poll(200, 3_300_000, false)!;
  assert.equal(d.bitrateBps, 5_000_000, 'capped at the maximum');
  p.onResult(d.id, 3_000_000); // 60%: the path is found
  assert.equal(p.inSeries, false);
  assert.deepEqual(rates([p.poll(300, 3_000_000, false), p.poll(900, 3_000_000, false)]), [undefined, undefined]);
});

test('start probes at or below the estimate, or above the desired rate, are skipped or capped', () => {
  const p = new ProbeController({ initialBps: 1_000_000, maxBps: 10_000_000 });
  p.setDesiredBps(2_500_000);
  assert.equal(p.poll(0, 1_000_000, false)?.bitrateBps, 2_500_000);
  const q = new ProbeController({ initialBps: 1_000_000, maxBps: 10_000_000 });
  assert.equal(q.poll(0, 8_000_000, false), undefined, 'estimate already above both');
  const none = new ProbeController({ initialBps: 1_000_000, maxBps: 10_000_000, initialFactors: [] });
  assert.equal(none.poll(0, 1_000_000, false), undefined);
});

test('periodic probes at 2× the estimate while the desired rate is above it, backing off when fruitless', () => {
  const p = new ProbeController({ initialBps: 300_000, maxBps: 10_000_000, initialFactors: [] });
  assert.equal(p.poll(0, 300_000, false), undefined, 'no desired rate: no periodic probe');
  p.setDesiredBps(1_000_000);
  const a = p.poll(1, 300_000, false)!;
  assert.equal(a.bitrateBps, 600_000);
  p.onResult(a.id, 310_000); // nothing new
  assert.equal(p.periodicIntervalMs, 10_000);
  assert.equal(p.poll(5_001, 300_000, false), undefined);
  assert.equal(p.poll(10_001, 300_000, true), undefined, 'not while congested');
  const b = p.poll(10_002, 300_000, false)!;
  assert.equal(b.bitrateBps, 600_000);
  assert.equal(p.poll(12_000, 300_000, false), undefined);
  assert.equal(p.periodicIntervalMs, 10_000, 'no result within a second counts as fruitless; backed off to at most 2×');
  p.onResult(p.poll(22_003, 300_000, false)!.id, 300_000);
  assert.equal(p.periodicIntervalMs, 10_000, 'still 2×');
  assert.equal(p.poll(32_002, 300_000, false), undefined);
  const c = p.poll(32_004, 300_000, false)!;
  p.onResult(c.id, 590_000);
  assert.equal(p.periodicIntervalMs, 5_000, 'success resets the interval');
  assert.equal(p.poll(32_100, 590_000, false)?.bitrateBps, 1_000_000, 'and the series goes on, capped at the desired rate');
  assert.equal(p.poll(40_000, 1_000_000, false), undefined, 'estimate reached the desired rate');
});
