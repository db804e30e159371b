import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitrateMeter } from './bitrate-meter.ts';

test('a steady 1,000 bytes every 10 ms reads as 800 kbps, and falls to 0 a second after it stops', () => {
  const m = new BitrateMeter();
  for (let t = 0; t < 3000; t += 10) m.add(1000, t);
  assert.ok(Math.abs(m.bps(3000) - 800_000) < 40_000, `${m.bps(3000)}`);
  assert.equal(m.bps(4300), 0);
});

test('a burst counts only while it is within the last second', () => {
  const m = new BitrateMeter();
  m.add(10_000, 100);
  assert.ok(Math.abs(m.bps(500) - 80_000 / 0.75) < 500, `${m.bps(500)}`);
  assert.equal(m.bps(1300), 0);
});
