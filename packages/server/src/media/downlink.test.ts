import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from './consumer.ts';
import { Downlink } from './downlink.ts';

/** A consumer as the downlink sees it: a producer's layers with fixed costs, and a target. */
function fakeConsumer(userId: string, kind: 'audio' | 'video', costs: number[]): Consumer & { sets: number[] } {
  const layers = costs.map((bps, index) => ({ index, rid: undefined, width: 320 * 2 ** index, height: 180 * 2 ** index, costBps: () => bps }));
  const c = {
    producer: { userId, kind, source: kind, layers },
    sets: [] as number[],
    target: Infinity,
    viewport: undefined,
    get targetLayer(): number {
      return this.target === Infinity ? layers.length - 1 : this.target;
    },
    setTargetLayer(layer: number): void {
      this.target = layer;
      this.sets.push(layer);
    },
  };
  return c as unknown as Consumer & { sets: number[] };
}

function setup() {
  const video = fakeConsumer('alice', 'video', [150_000, 700_000]);
  const audio = fakeConsumer('alice', 'audio', [30_000]);
  const consumers: [string, Consumer][] = [
    ['alice/audio', audio],
    ['alice/video', video],
  ];
  const d = new Downlink();
  const run = (estimate: number, now: number) => {
    d.estimateBps = estimate;
    d.update(consumers, () => false, now);
  };
  return { d, video, run };
}

test('plenty: the top layer; a mild dip waits a second before stepping down, a severe drop does not', () => {
  const { video, run } = setup();
  run(2_000_000, 0);
  assert.equal(video.targetLayer, 1);
  // 760 kbps would carry 730 kbps at 100%, but not with the headroom: a mild dip
  run(760_000, 100);
  assert.equal(video.targetLayer, 1, 'held');
  run(760_000, 900);
  assert.equal(video.targetLayer, 1, 'still held');
  run(760_000, 1200);
  assert.equal(video.targetLayer, 0, 'stepped down after 1 s');
  const again = setup();
  again.run(2_000_000, 0);
  again.run(300_000, 100);
  assert.equal(again.video.targetLayer, 0, 'a severe drop steps down at once');
});

test('too little for the lowest layer: held 3 s when marginal, paused at once when far below; told through pausedForBandwidth', () => {
  const { d, video, run } = setup();
  run(2_000_000, 0);
  run(400_000, 100);
  assert.equal(video.targetLayer, 0);
  // 170 kbps cannot carry 150 + 30 with headroom, but is not far below what is sent (180)
  run(170_000, 200);
  assert.equal(video.targetLayer, 0, 'kept on the lowest layer');
  assert.equal(d.pausedForBandwidth, false);
  run(170_000, 3300);
  assert.equal(video.targetLayer, -1, 'paused after 3 s');
  assert.equal(d.pausedForBandwidth, true);
  const far = setup();
  far.run(2_000_000, 0);
  far.run(400_000, 100);
  far.run(40_000, 200);
  assert.equal(far.video.targetLayer, -1, 'far below: paused at once');
  assert.equal(far.d.pausedForBandwidth, true);
});

test('a hidden tile pauses video at once (not for bandwidth); shown again it plays', () => {
  const { d, video, run } = setup();
  run(2_000_000, 0);
  d.setViews([{ userId: 'alice', source: 'video', width: 640, height: 360, visible: false }]);
  run(2_000_000, 100);
  assert.equal(video.targetLayer, -1);
  assert.equal(d.pausedForBandwidth, false);
  d.setViews([{ userId: 'alice', source: 'video', width: 160, height: 90, visible: true }]);
  run(2_000_000, 200);
  assert.equal(video.targetLayer, 0, 'the small tile gets the small layer');
  assert.ok(d.desiredBps >= 180_000, `desired ${d.desiredBps}`);
});
