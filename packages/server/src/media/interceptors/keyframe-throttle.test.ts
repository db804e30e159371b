import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYFRAME_REQUEST_INTERVAL_MS, KeyframeThrottle } from './keyframe-throttle.ts';

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

test("a request sent at the end of the interval is never early, and the interval clears a browser encoder's 300 ms", async () => {
  // libwebrtc drops a keyframe request within 300 ms of the last one it took
  assert.ok(KEYFRAME_REQUEST_INTERVAL_MS >= 330);
  const at: number[] = [];
  const t = new KeyframeThrottle(() => at.push(performance.now()), 37);
  for (let i = 0; i < 5; i++) {
    t.request();
    // the next request lands inside the interval, at a fractional millisecond
    await new Promise((r) => setTimeout(r, 3));
    t.request();
    await new Promise((r) => setTimeout(r, 80));
  }
  t.close();
  assert.equal(at.length, 10);
  for (let i = 1; i < at.length; i += 2) assert.ok(at[i]! - at[i - 1]! >= 37, `gap ${(at[i]! - at[i - 1]!).toFixed(2)} ms`);
});
