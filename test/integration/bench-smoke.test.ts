// Small runs of the benchmark harness against a real server process on loopback: fanout 1 → 2
// headless werift subscribers, and an audio room with audio selection. They prove the harness
// works; they assert no timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtcroomTarget } from '../../bench/lib/rtcroom-target.ts';
import { fanout } from '../../bench/scenarios/fanout.ts';
import { audioRoom } from '../../bench/scenarios/audio-room.ts';

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

test('audio-room with audio selection: 20 listeners receive the 2 speaking talkers of 5, and nothing of the other 3', async () => {
  const target = await rtcroomTarget([], ['--audio-selection-above', '20', '--audio-speakers', '3']);
  try {
    const w = await audioRoom(target, 5, 20, 3, { speaking: 2, selection: true });
    assert.equal(w.failed, undefined);
    assert.equal(w.receiving, 20);
    // expected counts only the speaking talkers; what arrived in all is at most that (no noise talker forwarded)
    assert.ok(w.lossPercent < 1, `received ${w.receivedPackets} of ${w.expectedPackets}`);
    const perListener = w.forwardedPps / 20;
    assert.ok(perListener > 0.3 * w.publishedPps && perListener < 0.5 * w.publishedPps, `each listener receives ${perListener.toFixed(1)} of ${w.publishedPps.toFixed(1)} pkt/s published (2 of 5 talkers)`);
  } finally {
    await target.stop();
  }
});
