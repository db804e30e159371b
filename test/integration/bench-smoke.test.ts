// A small run of the benchmark harness: fanout 1 → 2 headless werift subscribers for a few seconds
// against a real server process on loopback. It proves the harness works; it asserts no timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtcroomTarget } from '../../bench/lib/rtcroom-target.ts';
import { fanout } from '../../bench/scenarios/fanout.ts';

test('fanout N=2: packets are forwarded with no loss on loopback', async () => {
  const target = await rtcroomTarget();
  try {
    const w = await fanout(target, 2, 3);
    assert.ok(w.forwardedPps > 100, `forwarded ${w.forwardedPps} pkt/s`);
    assert.ok(w.publishedPps > 50, `published ${w.publishedPps} pkt/s`);
    assert.equal(w.lossPercent, 0);
    assert.ok(Number.isFinite(w.cpuUsPerPacket) && w.cpuUsPerPacket > 0);
    assert.ok(w.delayP50 > 0, 'delays were sampled from the payload stamps');
  } finally {
    await target.stop();
  }
});
