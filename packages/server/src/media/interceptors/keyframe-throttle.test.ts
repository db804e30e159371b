import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyframeThrottle } from './keyframe-throttle.ts';

test('bursts of requests send one now and one at the end of the interval', async () => {
  let sent = 0;
  const t = new KeyframeThrottle(() => sent++, 40);
  for (let i = 0; i < 50; i++) t.request();
  assert.equal(sent, 1);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sent, 2);
  assert.equal(t.requested, 50);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(sent, 2); // nothing more without requests
  t.request();
  assert.equal(sent, 3);
  t.close();
});
