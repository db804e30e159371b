import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket, frameCost } from './rate-limit.ts';

test('bucket allows a burst, then refills at its rate', () => {
  const t0 = 1000;
  const b = new TokenBucket(5, 10, t0);
  let taken = 0;
  for (let i = 0; i < 20; i++) if (b.take(t0)) taken++;
  assert.equal(taken, 5);
  assert.equal(b.take(t0 + 50), false); // half a token
  assert.equal(b.take(t0 + 100.5), true); // one token after 100 ms at 10/s
  let later = 0;
  for (let i = 0; i < 20; i++) if (b.take(t0 + 10_000)) later++;
  assert.equal(later, 5); // never above capacity
});

test('frames cost by size: a 64 KiB frame costs 16 pings', () => {
  assert.equal(frameCost(0), 1);
  assert.equal(frameCost(4096), 1);
  assert.equal(frameCost(4097), 2);
  assert.equal(frameCost(64 * 1024), 16);
  const b = new TokenBucket(200, 100, 0);
  let big = 0;
  while (b.take(0, frameCost(64 * 1024))) big++;
  assert.equal(big, 12); // 200 / 16
});
