import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portSlice } from './port-slices.ts';

test('a range splits into contiguous, disjoint slices that cover it', () => {
  const range: [number, number] = [40000, 40999];
  const slices = [0, 1, 2].map((i) => portSlice(range, 3, i));
  assert.deepEqual(slices, [
    [40000, 40332],
    [40333, 40665],
    [40666, 40999],
  ]);
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i]![0], slices[i - 1]![1] + 1);
});

test('one worker keeps the whole range', () => {
  assert.deepEqual(portSlice([50000, 50001], 1, 0), [50000, 50001]);
});

test('a range too small for every worker is refused', () => {
  assert.throws(() => portSlice([50000, 50002], 2, 0), /too small for 2 workers: at least 4 ports/);
  assert.deepEqual(portSlice([50000, 50003], 2, 1), [50002, 50003]);
});
