import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerSelector } from './layer-selector.ts';

const LAYERS = [
  { rid: 'q', ssrc: 11 },
  { rid: 'h', ssrc: 22 },
  { rid: 'f', ssrc: 33 },
];

function selector(target = 2): { s: LayerSelector; asked: number[] } {
  const asked: number[] = [];
  const s = new LayerSelector(LAYERS, { requestKeyframe: (l) => asked.push(l) }, target);
  return { s, asked };
}

test('nothing is forwarded before a key frame of the target; then only the target', () => {
  const { s, asked } = selector(1);
  assert.equal(s.onPacket(1, false, true, 0), 'drop');
  assert.deepEqual(asked, [1], 'a delta frame of the target');
  assert.equal(s.onPacket(0, true, true, 1), 'drop', 'a key frame of another layer');
  assert.equal(s.onPacket(0, false, true, 1), 'drop');
  assert.deepEqual(asked, [1], 'other layers\' packets ask for nothing');
  assert.equal(s.onPacket(1, true, false, 2), 'drop', 'key but not a frame start');
  assert.equal(s.onPacket(1, true, true, 3), 'forward');
  assert.equal(s.switched, true);
  assert.equal(s.onPacket(1, false, false, 4), 'forward');
  assert.equal(s.switched, false);
  assert.equal(s.onPacket(2, true, true, 5), 'drop');
  assert.deepEqual([s.current, s.switches, s.keyframeRequests], [1, 1, 1]);
});

test('a new target keeps the current layer flowing until its key frame, up and down', () => {
  const { s, asked } = selector(0);
  s.onPacket(0, true, true, 0);
  s.setTarget(2);
  assert.equal(s.onPacket(2, false, true, 10), 'drop', 'a delta frame of the new layer');
  assert.equal(s.onPacket(0, false, true, 11), 'forward', 'the old layer goes on meanwhile');
  assert.equal(s.onPacket(2, true, true, 40), 'forward');
  assert.equal(s.switched, true);
  assert.equal(s.onPacket(0, false, true, 41), 'drop');
  s.setTarget(1);
  assert.equal(s.onPacket(1, false, true, 70), 'drop');
  assert.equal(s.onPacket(2, false, true, 70), 'forward');
  assert.equal(s.onPacket(1, true, true, 100), 'forward');
  assert.deepEqual([s.current, s.switches], [1, 3]);
  assert.deepEqual(asked, [2, 1]);
});

test('a key frame asked for at a step down is not asked for again by the delta frames before it', () => {
  const { s, asked } = selector(2);
  s.onPacket(2, true, true, 0);
  s.setTarget(0);
  s.dropCurrent();
  s.requestKeyframe(0, 100);
  // the small layer's delta frames keep coming while its key frame is on its way
  for (let t = 110; t < 600; t += 33) assert.equal(s.onPacket(0, false, true, t), 'drop');
  assert.deepEqual(asked, [0], 'one request');
  s.onPacket(0, false, true, 600);
  assert.deepEqual(asked, [0, 0], 'asked again once the interval passed');
  assert.equal(s.onPacket(0, true, true, 650), 'forward');
  s.requestKeyframe(5, 700);
  assert.deepEqual(asked, [0, 0], 'no such layer');
});

test('key frame requests are throttled per layer', () => {
  const { s, asked } = selector(0);
  s.onPacket(0, true, true, 0);
  assert.deepEqual(asked, []);
  s.setTarget(2);
  for (let t = 10; t < 2000; t += 10) {
    s.onPacket(0, false, true, t);
    s.onPacket(2, false, true, t);
  }
  assert.deepEqual(asked, [2, 2, 2, 2], 'at 10, 510, 1010, 1510 ms');
  s.setTarget(1); // another layer has its own budget
  s.onPacket(1, false, true, 2000);
  s.setTarget(2);
  s.onPacket(2, false, true, 2005);
  assert.deepEqual(asked, [2, 2, 2, 2, 1]);
  s.onPacket(2, false, true, 2010);
  assert.deepEqual(asked, [2, 2, 2, 2, 1, 2]);
  assert.equal(s.keyframeRequests, 6);
  const custom = new LayerSelector(LAYERS, { requestKeyframe: () => undefined, keyframeIntervalMs: 100 }, 1);
  for (let t = 0; t < 1000; t += 10) custom.onPacket(1, false, true, t);
  assert.equal(custom.keyframeRequests, 10);
});

test('pausing forwards nothing and asks for nothing; resuming waits for a key frame', () => {
  const { s, asked } = selector(1);
  s.onPacket(1, true, true, 0);
  s.setTarget(-1);
  assert.deepEqual([s.target, s.current], [-1, -1]);
  for (let t = 1; t < 2000; t += 10) for (const l of [0, 1, 2]) assert.equal(s.onPacket(l, l === 1, true, t), 'drop');
  assert.deepEqual(asked, []);
  s.setTarget(1);
  assert.equal(s.onPacket(1, false, true, 2001), 'drop');
  assert.deepEqual(asked, [1]);
  assert.equal(s.onPacket(1, true, true, 2002), 'forward');
  assert.equal(s.switches, 2);
});

test('a stopped layer falls back to the nearest flowing one below, else above, and comes back', () => {
  const { s, asked } = selector(2);
  const all = (t: number, key = false): void => {
    for (const l of [0, 1, 2]) s.onPacket(l, key, true, t);
  };
  all(0, true);
  assert.equal(s.current, 2);
  assert.deepEqual(asked, [], 'the key frame of layer 2 came in the same frame: nothing to ask');
  // layer 2 stops at 100 ms: nothing changes for a second
  for (let t = 100; t <= 1000; t += 100) {
    s.onPacket(0, false, true, t);
    s.onPacket(1, false, true, t);
  }
  assert.deepEqual([s.current, s.effectiveTarget(1000), asked.length], [2, 2, 0]);
  s.onPacket(1, false, true, 1100);
  assert.equal(s.effectiveTarget(1100), 1);
  assert.deepEqual(asked, [1]);
  assert.equal(s.onPacket(1, true, true, 1133), 'forward');
  assert.deepEqual([s.current, s.target], [1, 2]);
  // layer 2 is back: switch up at its key frame
  assert.equal(s.onPacket(2, false, true, 1200), 'drop');
  assert.deepEqual(asked, [1, 2]);
  assert.equal(s.onPacket(2, true, true, 1233), 'forward');
  assert.equal(s.current, 2);
  // target 0 stops while 1 and 2 flow: fall up to 1
  s.setTarget(0);
  s.onPacket(0, true, true, 1300);
  assert.equal(s.current, 0);
  for (let t = 1400; t <= 2400; t += 100) {
    s.onPacket(1, false, true, t);
    s.onPacket(2, false, true, t);
  }
  assert.equal(s.effectiveTarget(2400), 1);
  s.onPacket(1, true, true, 2433);
  assert.equal(s.current, 1);
});

test('a target never seen is waited for one staleness period, then a flowing layer is used', () => {
  const { s } = selector(2);
  for (let t = 0; t <= 1000; t += 100) assert.equal(s.onPacket(0, true, true, t), 'drop');
  assert.equal(s.onPacket(0, true, true, 1100), 'forward');
  assert.equal(s.current, 0);
});

test('ssrc and rid lookups; out-of-range layers and targets', () => {
  const { s } = selector(9);
  assert.equal(s.target, 2);
  assert.equal(s.layerOfSsrc(22), 1);
  assert.equal(s.layerOfSsrc(99), -1);
  assert.equal(s.bindSsrc('q', 1234), 0);
  assert.equal(s.layerOfSsrc(1234), 0);
  assert.equal(s.bindSsrc('x', 1), -1);
  assert.equal(LAYERS[0]!.ssrc, 11, 'the caller\'s array is not changed');
  assert.equal(s.onPacket(-1, true, true, 0), 'drop');
  assert.equal(s.onPacket(3, true, true, 0), 'drop');
  s.setTarget(-5);
  assert.equal(s.target, -1);
});

test('a new viewer starts at once on a flowing layer when its producer says the target is paused', () => {
  // the producer had layer 0 a moment ago and has not had layer 2 for long (dynacast paused it)
  const make = (lastPacketAt?: number[]) => {
    const asked: number[] = [];
    return { s: new LayerSelector(LAYERS, { requestKeyframe: (l) => asked.push(l), staleMs: 600, lastPacketAt }, 2), asked };
  };
  const seeded = make([990, -Infinity, -Infinity]);
  assert.equal(seeded.s.effectiveTarget(1000), 0);
  assert.equal(seeded.s.onPacket(0, false, true, 1000), 'drop');
  assert.deepEqual(seeded.asked, [0], 'the flowing layer is asked for a key frame');
  assert.equal(seeded.s.onPacket(0, true, true, 1030), 'forward');
  // once the top layer flows again it is switched to on its key frame
  assert.equal(seeded.s.onPacket(2, true, true, 1200), 'forward');
  assert.equal(seeded.s.current, 2);
  // without the producer's word, the target counts as flowing for staleMs: the start waits
  const blind = make();
  assert.equal(blind.s.onPacket(0, true, true, 1000), 'drop');
  assert.equal(blind.s.effectiveTarget(1500), 2);
  assert.equal(blind.s.onPacket(0, true, true, 1700), 'forward', 'only after staleMs');
});
