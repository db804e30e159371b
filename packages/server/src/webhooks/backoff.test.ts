import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay } from './backoff.ts';

test('retryDelay doubles up to the cap, with jitter in [half, full)', () => {
  const o = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 50].map((n) => retryDelay(n, o, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 2, 5].map((n) => retryDelay(n, o, () => 0)), [50, 100, 500]);
});
