import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LossMeter, lossPercent } from './loss-meter.ts';

test('LossMeter sums received and lost packets over the last five seconds', () => {
  const m = new LossMeter();
  for (let i = 0; i < 90; i++) m.add(0, 10_000 + i * 10);
  m.add(10, 10_950);
  assert.deepEqual(m.totals(11_000), { received: 91, lost: 10 });
  // an old second slides out of the window
  m.add(0, 14_500);
  assert.deepEqual(m.totals(14_900), { received: 92, lost: 10 });
  assert.deepEqual(m.totals(15_100), { received: 1, lost: 0 });
  // silence for longer than the window clears it
  assert.deepEqual(m.totals(60_000), { received: 0, lost: 0 });
});

test('lossPercent: share of expected packets, one decimal, 0 with nothing expected', () => {
  assert.equal(lossPercent(0, 0), 0);
  assert.equal(lossPercent(90, 10), 10);
  assert.equal(lossPercent(2, 1), 33.3);
  assert.equal(lossPercent(0, 5), 100);
});
