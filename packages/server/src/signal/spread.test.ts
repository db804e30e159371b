import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inSlice, spreadEvery } from './spread.ts';

test('each item has exactly one turn in every run of `slices` ticks; a tick takes about 1/slices of them', () => {
  const ids = Array.from({ length: 200 }, (_, i) => i + 1);
  for (let start = 0; start < 25; start++) {
    const turns = new Map<number, number>();
    for (let t = start; t < start + 10; t++) {
      const now = ids.filter((id) => inSlice(id, t, 10));
      assert.equal(now.length, 20);
      for (const id of now) turns.set(id, (turns.get(id) ?? 0) + 1);
    }
    assert.ok(ids.every((id) => turns.get(id) === 1));
  }
  assert.ok(inSlice(-3, 7, 10), 'a negative id still has a turn');
});

test('spreadEvery: every item once a period, a slice at a time', async () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: i }));
  const seen: number[][] = [];
  let batch: number[] = [];
  const timer = spreadEvery(
    200,
    4,
    () => {
      if (batch.length) seen.push(batch);
      batch = [];
      return items;
    },
    (x) => x.id,
    (x) => batch.push(x.id),
  );
  await new Promise((r) => setTimeout(r, 470));
  clearInterval(timer);
  // ticks every 50 ms: at least 8 ticks, each of 10 items; the first 4 cover all 40 once
  assert.ok(seen.length >= 7, `${seen.length} ticks`);
  assert.ok(seen.every((b) => b.length === 10));
  assert.deepEqual(seen.slice(0, 4).flat().sort((a, b) => a - b), items.map((x) => x.id));
});
