import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RECONNECT_GIVE_UP_MS, reconnectDelay } from './reconnect.ts';

test('the schedule: 0, 300, 1200, 2700, 4800, then 7 s steps with jitter', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => reconnectDelay(n)), [0, 300, 1200, 2700, 4800]);
  assert.equal(reconnectDelay(5, () => 0), 7000);
  assert.equal(reconnectDelay(9, () => 0.999), 7999);
  // within the give-up total there are the five quick tries and at least five more
  let t = 0;
  let n = 0;
  while (t + reconnectDelay(n, () => 0.5) < RECONNECT_GIVE_UP_MS) t += reconnectDelay(n++, () => 0.5);
  assert.ok(n >= 10, `${n} attempts in ${RECONNECT_GIVE_UP_MS} ms`);
});
