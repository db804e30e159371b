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
    // loss counted from what the publisher sent × 2 (quiet window edges make it exact on loopback)
    assert.equal(w.lossPercent, 0, `received ${w.receivedPackets} of ${w.expectedPackets}`);
    assert.equal(w.expectedPackets, Math.round(w.publishedPps * w.seconds) * 2);
    assert.equal(w.seqLossPercent, 0);
    assert.equal(w.receiving, 2);
    assert.equal(w.failed, undefined);
    assert.ok(Number.isFinite(w.cpuUsPerPacket) && w.cpuUsPerPacket > 0);
    assert.ok(w.delayP50 > 0, 'delays were sampled from the payload stamps');
  } finally {
    await target.stop();
  }
});
