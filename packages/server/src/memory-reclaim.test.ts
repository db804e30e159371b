import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapSlackBytes, MemoryReclaimer } from './memory-reclaim.ts';

const MiB = 2 ** 20;

/** Feeds one sample a second; returns the seconds at which the fake GC ran. */
function run(rssAt: (s: number) => number, seconds: number, afterGc: number) {
  const gcs: number[] = [];
  let now = 0;
  const r = new MemoryReclaimer(() => gcs.push(now), { steadyMs: 5000, minIntervalMs: 60_000 });
  const reports = [];
  for (now = 0; now < seconds; now++) {
    const rep = r.sample(now * 1000, rssAt(now), () => afterGc);
    if (rep) reports.push(rep);
  }
  return { gcs, reports, floor: r.floorBytes };
}

test('collects once a burst is over: RSS well above its floor and no longer rising', () => {
  // 150 MiB, a burst to 240 from 10 s to 20 s, then it stays at 220
  const rss = (s: number) => (s < 10 ? 150 : s < 20 ? 150 + (s - 9) * 9 : 220) * MiB;
  const { gcs, reports, floor } = run(rss, 60, 152 * MiB);
  assert.equal(gcs.length, 1);
  assert.ok(gcs[0]! >= 20 && gcs[0]! <= 26, `ran at ${gcs[0]} s: within the 5 s window after the rise ended`);
  assert.equal(reports[0]!.rssBeforeBytes, 220 * MiB);
  assert.equal(floor, 152 * MiB, 'the floor is what the GC left');
});

test('never while RSS rises, never for small growth, at most once per interval', () => {
  // a steady climb (a growing room): no reclaim while it rises
  assert.equal(run((s) => (150 + s * 2) * MiB, 50, 150 * MiB).gcs.length, 0);
  // 10% above the floor: not worth a pause
  assert.equal(run((s) => (s < 10 ? 150 : 165) * MiB, 60, 150 * MiB).gcs.length, 0);
  // memory that is really in use: the GC gives nothing back, and it is not tried again within the minute
  const held = run((s) => (s < 10 ? 100 : 200) * MiB, 100, 200 * MiB);
  assert.equal(held.gcs.length, 1);
  assert.equal(held.floor, 200 * MiB);
});

test('not when the heap has little room it does not use: the growth is live memory (calls that started)', () => {
  const rss = (s: number) => (s < 10 ? 100 : 200) * MiB;
  let slack = 8 * MiB;
  const gcs: number[] = [];
  const r = new MemoryReclaimer(() => gcs.push(1), { steadyMs: 5000, minIntervalMs: 60_000 }, () => slack);
  for (let s = 0; s < 40; s++) r.sample(s * 1000, rss(s), () => 190 * MiB);
  assert.equal(gcs.length, 0, 'no pause of every call for memory that is in use');
  // a burst's garbage collected by V8 leaves its heap committed: then it is worth the pause
  slack = 48 * MiB;
  r.sample(40_000, rss(40), () => 150 * MiB);
  assert.equal(gcs.length, 1);
  assert.equal(r.floorBytes, 150 * MiB);
});

test('the heap slack of this process is a size', () => {
  const s = heapSlackBytes();
  assert.ok(Number.isFinite(s) && s >= 0);
});
