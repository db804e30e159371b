import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wantsPing } from './server-ping.ts';

test("a session whose heartbeat came within the period is not pinged; one kept alive by pongs alone is pinged every period", () => {
  const period = 1000;
  // the SDK's heartbeat every second, at any phase of the ping slices: skipped nine times in ten
  let pinged = 0;
  for (let phase = 0; phase < 1000; phase++) if (wantsPing(0, phase, period)) pinged++;
  assert.equal(pinged, 100);
  // no heartbeat: the last frame is the pong to our last ping, one period ago less its round trip
  for (const rtt of [1, 20, 99]) assert.equal(wantsPing(rtt, period, period), true, `pong after ${rtt} ms`);
  // a pong slower than a tenth of the period skips one turn: the session is pinged every other period
  assert.equal(wantsPing(150, period, period), false);
  assert.equal(wantsPing(150, 2 * period, period), true);
});
