import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from './consumer.ts';
import { Downlink } from './downlink.ts';
import { mediaCounts } from './metrics.ts';
import { allocate, type TrackInput } from './simulcast/allocator.ts';

/** A consumer as the downlink sees it: a producer's layers with fixed costs, and a target. */
function fakeConsumer(userId: string, kind: 'audio' | 'video', costs: number[]): Consumer & { sets: number[] } {
  const layers = costs.map((bps, index) => ({ index, rid: undefined, width: 320 * 2 ** index, height: 180 * 2 ** index, costBps: () => bps }));
  const c = {
    producer: { userId, kind, source: kind, layers, layerInfo: () => layers.map((l) => ({ index: l.index, width: l.width, height: l.height, bitrateBps: l.costBps() })) },
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
  // no spread of the quiet rounds: a full round every second exactly
  const d = new Downlink(() => 0);
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
  // a dip held back keeps the top layer (730 kbps) on the link: a further fall is judged against
  // that, not against the small layer the held-back allocation chose
  const held = setup();
  held.run(2_000_000, 0);
  held.run(760_000, 100);
  assert.equal(held.video.targetLayer, 1, 'held');
  held.run(500_000, 150);
  assert.equal(held.video.targetLayer, 0, 'a severe drop below what is still sent steps down at once');
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
  const pauses = mediaCounts.bandwidthPauses;
  far.run(40_000, 200);
  assert.equal(far.video.targetLayer, -1, 'far below: paused at once');
  assert.equal(far.d.pausedForBandwidth, true);
  far.run(40_000, 300);
  assert.equal(mediaCounts.bandwidthPauses, pauses + 1, 'counted once per pause');
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

test('audio only (a listener): the allocator outcome without running it, nothing paused, video history dropped', () => {
  const audio = [fakeConsumer('t0', 'audio', [30_000]), fakeConsumer('t1', 'audio', [20_000, 45_000]), fakeConsumer('t2', 'audio', [0])];
  const consumers: [string, Consumer][] = audio.map((c, i) => [`t${i}/audio`, c]);
  const d = new Downlink();
  d.estimateBps = 50_000; // less than the audio: audio is never paused
  const a = d.update(consumers, () => false, 0);
  const tracks: TrackInput[] = audio.map((c, i) => ({
    id: `t${i}/audio`,
    kind: 'audio',
    source: 'audio',
    isScreen: false,
    isActiveSpeaker: false,
    layers: c.producer.layers.map((l) => ({ index: l.index, width: l.width, height: l.height, bitrateBps: l.costBps(0) })),
    viewport: undefined,
  }));
  assert.deepEqual(a, allocate(50_000, tracks, { headroom: 0.95 }));
  assert.equal(a.usedBps, 75_000);
  assert.equal(d.desiredBps, 1.5 * 75_000);
  assert.equal(d.pausedForBandwidth, false);
  assert.deepEqual(audio.map((c) => c.sets), [[], [], []], 'no layer set on audio');

  // video paused for bandwidth, then its consumer goes: no longer paused; back, it starts anew
  const { d: dv, video, run } = setup();
  run(2_000_000, 0);
  run(40_000, 100);
  assert.equal(dv.pausedForBandwidth, true);
  const onlyAudio: [string, Consumer][] = [['alice/audio', fakeConsumer('alice', 'audio', [30_000])]];
  dv.update(onlyAudio, () => false, 200);
  assert.equal(dv.pausedForBandwidth, false);
  // back, it is allocated as by a downlink that never saw it
  const fresh = new Downlink();
  const video2 = fakeConsumer('alice', 'video', [150_000, 700_000]);
  video2.setTargetLayer(video.targetLayer);
  for (const [down, v] of [[dv, video], [fresh, video2]] as const) {
    down.estimateBps = 200_000; // carries the lowest layer, not with the upgrade margin a paused track needs
    down.update([...onlyAudio, ['alice/video', v]], () => false, 300);
  }
  assert.equal(video.targetLayer, video2.targetLayer);
  assert.equal(dv.desiredBps, fresh.desiredBps);
  assert.equal(dv.pausedForBandwidth, fresh.pausedForBandwidth);
});

test('quiet: a settled member with room to spare skips rounds for up to a second; a change of estimate, consumers or views, or a pending step, does not', () => {
  const { d, video } = setup();
  const consumers = new Map<string, Consumer>([
    ['alice/audio', fakeConsumer('alice', 'audio', [30_000])],
    ['alice/video', video],
  ]);
  const update = (estimate: number, now: number) => {
    d.estimateBps = estimate;
    d.update(consumers, () => false, now);
  };
  update(5_000_000, 0);
  assert.equal(d.quiet(consumers, 250), true, 'settled, and 5 Mbps carries 1.5 × 730 kbps');
  assert.equal(d.quiet(consumers, 1000), false, 'a full round every second');
  d.estimateBps = 1_000_000;
  assert.equal(d.quiet(consumers, 250), false, 'the estimate no longer carries all of it');
  d.estimateBps = 5_000_000;
  assert.equal(d.quiet(new Map([...consumers].slice(0, 1)), 250), false, 'another set of consumers');
  d.setViews([{ userId: 'alice', source: 'video', width: 640, height: 360, visible: false }]);
  assert.equal(d.quiet(consumers, 250), false, 'new views');
  update(5_000_000, 300);
  assert.equal(video.targetLayer, -1, 'the hidden tile pauses');
  assert.equal(d.quiet(consumers, 400), false, 'a round that changed a target is not settled');
  update(5_000_000, 500);
  assert.equal(d.quiet(consumers, 600), true);
  d.setViews([{ userId: 'alice', source: 'video', width: 160, height: 90, visible: true }]);
  update(5_000_000, 700);
  assert.equal(video.targetLayer, 0, 'shown again: the small tile takes the low layer');
  // a mild dip: the step down waits (pending), so rounds go on
  const mild = setup();
  mild.run(2_000_000, 0);
  mild.run(760_000, 100);
  assert.equal(mild.d.quiet(new Map([['alice/video', mild.video]]), 200), false);
  // a listener (audio only): settled whatever the estimate
  const listener = new Downlink(() => 0);
  const audioOnly = new Map<string, Consumer>([['bob/audio', fakeConsumer('bob', 'audio', [30_000])]]);
  listener.estimateBps = 10_000;
  listener.update(audioOnly, () => false, 0);
  assert.equal(listener.quiet(audioOnly, 250), true);
});

test('quiet rounds spread: members whose rounds ran in one turn drift apart over the allocation ticks', () => {
  // a fixed sequence of numbers in [0, 1) (a linear congruential generator)
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const members = Array.from({ length: 200 }, () => ({ d: new Downlink(random), consumers: new Map<string, Consumer>([['bob/audio', fakeConsumer('bob', 'audio', [30_000])]]) }));
  for (const m of members) m.d.update(m.consumers, () => false, 0);
  // the router's ticks every 250 ms: who is not quiet gets a full round
  const perTick: number[] = [];
  for (let t = 250; t <= 20_000; t += 250) {
    let n = 0;
    for (const m of members) {
      if (m.d.quiet(m.consumers, t)) continue;
      m.d.update(m.consumers, () => false, t);
      n++;
    }
    perTick.push(n);
  }
  // every member still gets a round at least every 1.75 s (8 s: 4.5 or more each; 80 ticks in all)
  const total = perTick.reduce((a, b) => a + b, 0);
  assert.ok(total >= (200 * 20) / 2, `${total} rounds in 20 s`);
  // all 200 ran together at first; after a few seconds no tick runs more than half of them
  assert.ok(Math.max(...perTick.slice(20)) < 100, `rounds per tick after 5 s: ${perTick.slice(20).join(',')}`);
  // without the spread they would stay together: 200 every fourth tick
  const aligned = Array.from({ length: 3 }, () => new Downlink(() => 0));
  const one = new Map<string, Consumer>([['bob/audio', fakeConsumer('bob', 'audio', [30_000])]]);
  for (const d of aligned) d.update(one, () => false, 0);
  assert.deepEqual(aligned.map((d) => d.quiet(one, 750)), [true, true, true]);
  assert.deepEqual(aligned.map((d) => d.quiet(one, 1000)), [false, false, false]);
});
