import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sparkPoints } from './sparkline.ts';
import { History } from './history.ts';

test('sparkPoints: right-aligned, scaled to the largest value', () => {
  assert.equal(sparkPoints([], 80, 20, 5), '');
  // 5 slots over 80 px: 20 px a step; two values sit at the right
  assert.equal(sparkPoints([50, 100], 80, 20, 5), '60,10 80,0');
  assert.equal(sparkPoints([0, 0, 0, 0, 0], 80, 20, 5), '0,20 20,20 40,20 60,20 80,20');
  // below the floor the line stays low
  assert.equal(sparkPoints([0.5], 80, 20, 5, 1), '80,10');
  assert.equal(sparkPoints([-4], 80, 20, 5), '80,20');
});

test('History keeps the last samples per key and forgets keys not retained', () => {
  const h = new History(3);
  for (const v of [1, 2, 3, 4]) h.push('alice', v);
  h.push('bob', 9);
  assert.deepEqual(h.get('alice'), [2, 3, 4]);
  assert.deepEqual(h.get('carol'), []);
  h.retain(new Set(['bob']));
  assert.deepEqual(h.get('alice'), []);
  assert.deepEqual(h.get('bob'), [9]);
});
