import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapSlackBytes, MemoryReclaimer, memoryReducingGc, reclaimsIncrementally } from './memory-reclaim.ts';

const MiB = 2 ** 20;

/** Feeds one sample a second; returns the seconds at which the fake GC ran. */
function run(rssAt: (s: number) => number, seconds: number, afterGc: number) {
  const gcs: number[] = [];
  let now = 0;
  const r = new MemoryReclaimer(() => void gcs.push(now), { steadyMs: 5000, minIntervalMs: 60_000 });
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
  const r = new MemoryReclaimer(() => void gcs.push(1), { steadyMs: 5000, minIntervalMs: 60_000 }, () => slack);
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

test('an incremental collection needs the slack too, and the samples after it set the floor', () => {
  const rss = (s: number) => (s < 10 ? 100 : s < 20 ? 200 : 130) * MiB;
  const started: number[] = [];
  let now = 0;
  let slack = 0;
  // its final pause stalls every call: not for memory that is in use
  const r = new MemoryReclaimer(() => (started.push(now), 'incremental'), { steadyMs: 5000, minIntervalMs: 60_000 }, () => slack);
  for (now = 0; now < 20; now++) r.sample(now * 1000, rss(now), () => assert.fail('no collection'));
  assert.equal(started.length, 0);
  slack = 40 * MiB;
  const reports = [];
  for (; now < 30; now++) {
    const rep = r.sample(now * 1000, rss(now), () => assert.fail('RSS is not read at once after an incremental start'));
    if (rep) reports.push(rep);
  }
  assert.equal(started.length, 1);
  assert.equal(reports[0]!.incremental, true);
  assert.equal(reports[0]!.rssAfterBytes, undefined);
  assert.equal(r.floorBytes, 130 * MiB, 'the floor is the lowest RSS after the start');
});

test('the slack leaves out the young generation: its semi-spaces are empty after every scavenge', () => {
  const space = (space_name: string, physical: number, used: number) => ({ space_name, space_size: physical * MiB, space_used_size: used * MiB, space_available_size: 0, physical_space_size: physical * MiB });
  // fanout N = 200 in its steady state: 30 MiB of semi-spaces, 2 used; old space nearly full
  const steady = [space('new_space', 30, 2), space('old_space', 66, 64), space('code_space', 5, 4), space('large_object_space', 6, 6), space('new_large_object_space', 0, 0)];
  assert.equal(heapSlackBytes(steady), 3 * MiB);
  // after an attack and V8's own full GCs: the pages of the garbage kept
  const after = [space('new_space', 30, 2), space('old_space', 75, 25), space('code_space', 5, 4)];
  assert.equal(heapSlackBytes(after), 51 * MiB);
});

test('a pausing collection still waits for slack when the options say it pauses', () => {
  const gcs: number[] = [];
  const r = new MemoryReclaimer(() => void gcs.push(1), { steadyMs: 5000, minIntervalMs: 60_000 }, () => 0);
  for (let s = 0; s < 40; s++) r.sample(s * 1000, (s < 10 ? 100 : 200) * MiB, () => 190 * MiB);
  assert.equal(gcs.length, 0);
});

test('the incremental GC starts where the native module loads, and the forced one stands in otherwise', async () => {
  const { loadNativeAddon } = await import('./media/native/addon.ts');
  const load = loadNativeAddon();
  // the fallback: a module whose Node lacks the entry point
  let forcedRan = false;
  const fallback = memoryReducingGc({ heapPressure: () => ((forcedRan = true), false), heapPressureAvailable: true });
  assert.equal(fallback(), undefined);
  assert.ok(forcedRan, 'asked, refused, then forced');
  // a Node without the entry point: forced from the start, and the reclaimer keeps its slack rule
  assert.equal(reclaimsIncrementally({ heapPressure: () => assert.fail('not available'), heapPressureAvailable: false }), false);
  assert.equal(memoryReducingGc({ heapPressure: () => assert.fail('not available'), heapPressureAvailable: false })(), undefined);
  assert.equal(reclaimsIncrementally(undefined), false);
  // CI builds the module (npm ci): without it this test fails with the reason
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  obs.observe({ entryTypes: ['gc'] });
  try {
    assert.ok(reclaimsIncrementally(load.addon), 'this Node has the entry point');
    assert.equal(memoryReducingGc(load.addon)(), 'incremental');
    // allocate until V8 finishes the collection it started (bounded)
    let junk: object[] = [];
    for (let i = 0; i < 400 && !kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR); i++) {
      for (let k = 0; k < 20_000; k++) junk.push({ k });
      junk = [];
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_INCREMENTAL), `incremental marking ran (GC kinds seen: ${kinds.join(',')})`);
    assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR), 'and a major GC finished it');
  } finally {
    obs.disconnect();
  }
});
