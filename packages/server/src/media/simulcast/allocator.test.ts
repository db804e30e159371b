import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, Allocator, unconstrainedBps, type Allocation, type LayerInfo, type TrackAllocation, type TrackInput } from './allocator.ts';

const K = 1000;

/** A three-layer camera stack: 320×180 @150k, 640×360 @500k, 1280×720 @1500k. */
const stack = (rates: [number, number, number] = [150 * K, 500 * K, 1500 * K]): LayerInfo[] => [
  { index: 0, width: 320, height: 180, bitrateBps: rates[0] },
  { index: 1, width: 640, height: 360, bitrateBps: rates[1] },
  { index: 2, width: 1280, height: 720, bitrateBps: rates[2] },
];

const video = (id: string, extra: Partial<TrackInput> = {}): TrackInput => ({
  id, kind: 'video', source: 'video', isScreen: false, isActiveSpeaker: false, layers: stack(), viewport: undefined, ...extra,
});
const screen = (id: string, layers: LayerInfo[]): TrackInput => video(id, { source: 'screen', isScreen: true, layers });
const audio = (id: string, bps: number): TrackInput => ({
  id, kind: 'audio', source: 'audio', isScreen: false, isActiveSpeaker: false, layers: [{ index: 0, width: 0, height: 0, bitrateBps: bps }], viewport: undefined,
});

const get = (a: Allocation, id: string): TrackAllocation => {
  const t = a.tracks.find((x) => x.id === id);
  assert.ok(t, `no allocation for ${id}`);
  return t;
};
const target = (a: Allocation, id: string) => get(a, id).target;
/** Estimate whose 90 % budget just covers `bps` (1 bps of slack against rounding). */
const est = (bps: number) => bps / 0.9 + 1;

test('plenty of bandwidth: every track at its top layer, audio at its measured rate, output in input order', () => {
  const a = allocate(10_000 * K, [video('cam'), audio('mic', 40 * K)]);
  assert.deepEqual(a.tracks.map((t) => t.id), ['cam', 'mic']);
  assert.deepEqual(get(a, 'cam'), { id: 'cam', kind: 'video', target: 2, expectedBps: 1500 * K, pausedForBandwidth: false, pauseReason: null });
  assert.deepEqual(get(a, 'mic'), { id: 'mic', kind: 'audio', target: 0, expectedBps: 40 * K, pausedForBandwidth: false, pauseReason: null });
  assert.equal(a.usedBps, 1540 * K);
  assert.equal(a.budgetBps, 9000 * K);
  assert.equal(a.anyPausedForBandwidth, false);
});

test('audio is always kept, even when it alone exceeds the estimate; video pauses for bandwidth', () => {
  const a = allocate(30 * K, [video('cam'), audio('mic', 40 * K), { ...audio('shareAudio', 20 * K), source: 'screenAudio' }]);
  assert.equal(target(a, 'mic'), 0);
  assert.equal(get(a, 'mic').expectedBps, 40 * K);
  assert.equal(target(a, 'shareAudio'), 0);
  assert.deepEqual(get(a, 'cam'), { id: 'cam', kind: 'video', target: 'paused', expectedBps: 0, pausedForBandwidth: true, pauseReason: 'bandwidth' });
  assert.equal(a.anyPausedForBandwidth, true);
  assert.equal(a.usedBps, 60 * K);
});

test('audio is charged before video: the camera gets only what audio leaves', () => {
  // 700k budget: without audio the camera would reach 640 (500k); 300k of audio leaves 400k → 320.
  assert.equal(target(allocate(est(700 * K), [video('cam')]), 'cam'), 1);
  assert.equal(target(allocate(est(700 * K), [video('cam'), audio('mic', 300 * K)]), 'cam'), 0);
});

test('below the lowest layer the track is paused for bandwidth; headroom keeps 10 % unused', () => {
  const below = allocate(est(149 * K), [video('cam')]);
  assert.equal(target(below, 'cam'), 'paused');
  assert.equal(get(below, 'cam').pausedForBandwidth, true);
  assert.equal(target(allocate(est(150 * K), [video('cam')]), 'cam'), 0);
  // An estimate exactly at the lowest layer's rate is not enough: only 90 % of it is usable.
  assert.equal(target(allocate(150 * K, [video('cam')]), 'cam'), 'paused');
});

test('priority: screen wins over a camera listed first when only one fits', () => {
  const share = screen('share', [{ index: 0, width: 1920, height: 1080, bitrateBps: 300 * K }]);
  const a = allocate(est(400 * K), [video('cam', { layers: [{ index: 0, width: 640, height: 360, bitrateBps: 300 * K }] }), share]);
  assert.equal(target(a, 'share'), 0);
  assert.equal(target(a, 'cam'), 'paused');
  assert.equal(get(a, 'cam').pausedForBandwidth, true);
  // source 'screen' alone also counts as a screen share.
  const b = allocate(est(400 * K), [video('cam', { layers: share.layers }), { ...share, isScreen: false }]);
  assert.equal(target(b, 'share'), 0);
  assert.equal(target(b, 'cam'), 'paused');
});

test('priority: the active speaker wins over other cameras; ties keep input order', () => {
  const one = [{ index: 0, width: 320, height: 180, bitrateBps: 200 * K }];
  const a = allocate(est(300 * K), [video('a', { layers: one }), video('b', { layers: one, isActiveSpeaker: true }), video('c', { layers: one })]);
  assert.deepEqual(a.tracks.map((t) => t.target), ['paused', 0, 'paused']);
  const b = allocate(est(300 * K), [video('a', { layers: one }), video('b', { layers: one }), video('c', { layers: one })]);
  assert.deepEqual(b.tracks.map((t) => t.target), [0, 'paused', 'paused']);
});

test('every track gets its lowest layer before any track upgrades; upgrades follow priority', () => {
  // 850k: three lowest layers (450k) first; the remaining 400k lifts only the screen (+350k) to 640.
  const a = allocate(est(850 * K), [video('x'), video('y'), screen('s', stack())]);
  assert.deepEqual(a.tracks.map((t) => t.target), [0, 0, 1]);
  assert.equal(a.usedBps, 800 * K);
});

test('a lower-priority track still plays when a higher one cannot carry even its lowest layer', () => {
  const share = screen('share', [{ index: 0, width: 1920, height: 1080, bitrateBps: 900 * K }]);
  const a = allocate(est(700 * K), [share, video('cam')]);
  assert.equal(target(a, 'share'), 'paused');
  assert.equal(target(a, 'cam'), 1);
});

test('tile cap: the smallest layer covering the rendered tile, else the top layer', () => {
  const two = stack().slice(0, 2); // 320/640 stack
  const cap = (w: number, h: number, layers = stack()) =>
    target(allocate(10_000 * K, [video('cam', { layers, viewport: { width: w, height: h, visible: true } })]), 'cam');
  assert.equal(cap(160, 90, two), 0);
  assert.equal(cap(640, 360, two), 1);
  assert.equal(cap(160, 90), 0);
  assert.equal(cap(640, 360), 1);
  assert.equal(cap(641, 200), 2); // wider than 640: needs 1280
  assert.equal(cap(600, 400), 2); // taller than 360: needs 720
  assert.equal(cap(3840, 2160), 2); // nothing covers it: top layer
  assert.equal(target(allocate(10_000 * K, [video('cam')]), 'cam'), 2); // unknown viewport: no cap
  // The cap spends less, so the budget goes to the next track.
  const a = allocate(est(2000 * K), [video('small', { viewport: { width: 160, height: 90, visible: true } }), video('big')]);
  assert.deepEqual(a.tracks.map((t) => t.target), [0, 2]);
});

test('hidden tile: paused as hidden (not for bandwidth) and costs nothing', () => {
  const a = allocate(est(1650 * K), [video('gone', { viewport: { width: 640, height: 360, visible: false } }), video('cam')]);
  assert.deepEqual(get(a, 'gone'), { id: 'gone', kind: 'video', target: 'paused', expectedBps: 0, pausedForBandwidth: false, pauseReason: 'hidden' });
  assert.equal(target(a, 'cam'), 2);
  assert.equal(a.anyPausedForBandwidth, false);
});

test('layers that do not flow are skipped; with none flowing the previous target is kept', () => {
  // Middle layer not flowing: plenty of budget for 640 but only 320 or 1280 can be chosen.
  assert.equal(target(allocate(est(1000 * K), [video('cam', { layers: stack([150 * K, 0, 1500 * K]) })]), 'cam'), 0);
  // Lowest layer not flowing: the 640 layer is the entry point.
  const low = allocate(est(600 * K), [video('cam', { layers: stack([0, 500 * K, 1500 * K]) })]);
  assert.equal(target(low, 'cam'), 1);
  // Tile capped at 320 but only bigger layers flow: the smallest flowing one is taken.
  const capped = video('cam', { layers: stack([0, 500 * K, 1500 * K]), viewport: { width: 160, height: 90, visible: true } });
  assert.equal(target(allocate(est(600 * K), [capped]), 'cam'), 1);
  // Nothing flows: keep the previous target, expect 0 bps.
  const silent = video('cam', { layers: stack([0, 0, 0]) });
  const kept = allocate(est(5000 * K), [silent], { previous: low });
  assert.equal(target(kept, 'cam'), 1);
  assert.equal(get(kept, 'cam').expectedBps, 0);
  assert.equal(target(allocate(est(5000 * K), [silent]), 'cam'), 0); // no history: lowest layer
  const al = new Allocator();
  al.update(est(600 * K), [video('cam', { layers: stack([0, 500 * K, 1500 * K]) })], 0);
  assert.equal(target(al.update(est(5000 * K), [silent], 100), 'cam'), 1);
});

test('hysteresis: no flapping while the estimate oscillates ±5 % around an upgrade threshold', () => {
  const al = new Allocator();
  const tracks = [video('cam')];
  const threshold = est(500 * K); // budget exactly covers the 640 layer
  assert.equal(target(al.update(threshold * 2.5, tracks, 0), 'cam'), 1); // 1.25M budget: 640, not 1280
  const seen: (number | 'paused')[] = [];
  for (let i = 1; i <= 40; i++) seen.push(target(al.update(threshold * (i % 2 ? 0.95 : 1.05), tracks, i * 250), 'cam'));
  // First dip downgrades at once; 10 s of oscillation never upgrades again.
  assert.deepEqual(new Set(seen), new Set([0]));
  // The same sequence without hysteresis flaps on every call.
  const flaps = [1, 2, 3, 4].map((i) => target(allocate(threshold * (i % 2 ? 0.95 : 1.05), tracks), 'cam'));
  assert.deepEqual(flaps, [0, 1, 0, 1]);
});

test('hysteresis: upgrade with the 10 % margin at once, or without it after the hold time', () => {
  const tracks = [video('cam')];
  const al = new Allocator();
  assert.equal(target(al.update(est(400 * K), tracks, 0), 'cam'), 0);
  assert.equal(target(al.update(est(560 * K), tracks, 100), 'cam'), 1, '560k ≥ 500k × 1.1: immediate');

  const held = new Allocator();
  held.update(est(400 * K), tracks, 0);
  const at = (ms: number) => target(held.update(est(530 * K), tracks, ms), 'cam'); // covers 500k, not 550k
  assert.equal(at(1000), 0);
  assert.equal(at(2000), 0);
  assert.equal(at(2999), 0);
  assert.equal(at(3000), 1, 'after 2 s of covering the next layer');
  // A dip restarts the hold.
  const again = new Allocator();
  again.update(est(400 * K), tracks, 0);
  again.update(est(530 * K), tracks, 0);
  again.update(est(480 * K), tracks, 1500);
  assert.equal(target(again.update(est(530 * K), tracks, 2500), 'cam'), 0);
  assert.equal(target(again.update(est(530 * K), tracks, 4499), 'cam'), 0);
  assert.equal(target(again.update(est(530 * K), tracks, 4500), 'cam'), 1);
});

test('hysteresis: downgrade and pause are immediate; resuming a paused track needs the margin', () => {
  const tracks = [video('cam')];
  const al = new Allocator();
  assert.equal(target(al.update(est(2000 * K), tracks, 0), 'cam'), 2);
  assert.equal(target(al.update(est(1499 * K), tracks, 10), 'cam'), 1);
  const paused = al.update(est(100 * K), tracks, 20);
  assert.equal(target(paused, 'cam'), 'paused');
  assert.equal(paused.anyPausedForBandwidth, true);
  assert.equal(target(al.update(est(160 * K), tracks, 30), 'cam'), 'paused', '160k < 150k × 1.1');
  assert.equal(target(al.update(est(170 * K), tracks, 40), 'cam'), 0);
  // A track that appears mid-session starts at its lowest layer without the margin.
  const two = al.update(est(150 * K + 150 * K), [...tracks, video('new')], 50);
  assert.deepEqual(two.tracks.map((t) => t.target), [0, 0]);
});

test('unconstrainedBps is what allocate uses with no limit, on 2,000 generated rooms', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  for (let round = 0; round < 2000; round++) {
    const tracks: TrackInput[] = [];
    const n = 1 + Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) {
      const kind = pick(['audio', 'video', 'video'] as const);
      const layers: LayerInfo[] = [];
      const count = kind === 'audio' ? 1 : 1 + Math.floor(rand() * 3);
      for (let l = 0; l < count; l++) {
        layers.push({ index: l, width: pick([0, 160, 320, 640, 1280]), height: pick([0, 90, 180, 360, 720]), bitrateBps: pick([0, 0, 40 * K, 150 * K, 500 * K, 1500 * K]) });
      }
      const viewport = pick([undefined, { width: 160, height: 90, visible: true }, { width: 640, height: 360, visible: true }, { width: 640, height: 360, visible: false }]);
      tracks.push({ id: `t${i}`, kind, source: kind === 'audio' ? 'audio' : pick(['video', 'screen'] as const), isScreen: false, isActiveSpeaker: rand() < 0.3, layers, viewport });
    }
    assert.equal(unconstrainedBps(tracks), allocate(Number.POSITIVE_INFINITY, tracks).usedBps, JSON.stringify(tracks));
  }
});
