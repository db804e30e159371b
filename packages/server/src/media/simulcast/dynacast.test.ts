import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dynacast, DYNACAST_OFF_AFTER_MS } from './dynacast.ts';

const layers = [
  { index: 0, width: 320, height: 180, bitrateBps: 150_000 },
  { index: 1, width: 640, height: 360, bitrateBps: 700_000 },
];
const tile = (width: number, height: number, visible = true) => ({ width, height, visible });

test('small tiles only: the top layer is paused after the hold, and comes back at once for a big tile', () => {
  const d = new Dynacast();
  assert.equal(d.update(layers, [tile(160, 90)], 0), undefined, 'nothing changes before the hold');
  assert.equal(d.update(layers, [tile(160, 90)], DYNACAST_OFF_AFTER_MS - 1), undefined);
  assert.deepEqual(d.update(layers, [tile(160, 90)], DYNACAST_OFF_AFTER_MS), [true, false]);
  assert.equal(d.update(layers, [tile(160, 90)], DYNACAST_OFF_AFTER_MS + 500), undefined, 'told once');
  assert.deepEqual(d.update(layers, [tile(160, 90), tile(640, 360)], DYNACAST_OFF_AFTER_MS + 600), [true, true]);
});

test('hidden tiles need nothing, but the lowest layer stays on; unknown tiles need everything', () => {
  const d = new Dynacast();
  d.update(layers, [tile(640, 360, false)], 0);
  assert.deepEqual(d.update(layers, [tile(640, 360, false)], DYNACAST_OFF_AFTER_MS), [true, false]);
  assert.deepEqual(d.update(layers, [undefined], DYNACAST_OFF_AFTER_MS + 1), [true, true]);
});

test('a tile resized back within the hold keeps the layer on (no flapping)', () => {
  const d = new Dynacast();
  for (let t = 0; t < 10_000; t += 500) {
    const big = Math.floor(t / 1000) % 2 === 0;
    assert.equal(d.update(layers, [big ? tile(640, 360) : tile(160, 90)], t), undefined, `at ${t} ms`);
  }
});

test('a plain track (one layer) is never touched', () => {
  assert.equal(new Dynacast().update([layers[0]!], [tile(1, 1, false)], 10_000), undefined);
});

test('a top layer paused before it ever sent (its size unknown) comes back for the first viewer', () => {
  // Firefox publishes before anyone watches: its 640 layer has not started (its bandwidth
  // estimate was still low), so the server knows only the bottom layer's size when it pauses it
  const unsized = [layers[0]!, { index: 1, width: 0, height: 0, bitrateBps: 0 }];
  const d = new Dynacast();
  d.update(unsized, [], 0);
  assert.deepEqual(d.update(unsized, [], DYNACAST_OFF_AFTER_MS), [true, false]);
  assert.deepEqual(d.update(unsized, [tile(640, 360)], DYNACAST_OFF_AFTER_MS + 100), [true, true], 'a big tile');
  const again = new Dynacast();
  again.update(unsized, [], 0);
  again.update(unsized, [], DYNACAST_OFF_AFTER_MS);
  assert.deepEqual(again.update(unsized, [undefined], DYNACAST_OFF_AFTER_MS + 100), [true, true], 'a tile of unknown size');
});
