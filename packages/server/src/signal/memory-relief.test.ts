import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRelief, exposeGc } from './memory-relief.ts';

test('one full GC once a surge of ended sessions is over, none without a surge', () => {
  let gcs = 0;
  const r = new MemoryRelief({ everyMs: 0, surge: 100, quiet: 5, windowIntervals: 12, gc: () => gcs++ });
  for (let i = 0; i < 4; i++) r.ended();
  r.tick();
  r.tick();
  assert.equal(gcs, 0, 'no surge, no GC');
  for (const n of [150, 30, 60]) {
    for (let i = 0; i < n; i++) r.ended();
    r.tick();
    assert.equal(gcs, 0, 'not while sessions still end in numbers');
  }
  r.ended();
  r.tick();
  assert.equal(gcs, 1, 'once it is quiet');
  r.tick();
  r.tick();
  assert.equal(r.collections, 1, 'once per surge');
  // a surge that trickles out (no single busy interval reaches `surge`) is still collected
  for (const n of [40, 40, 40]) {
    for (let i = 0; i < n; i++) r.ended();
    r.tick();
  }
  r.tick();
  assert.equal(gcs, 2);
  // ordinary churn, spread over more than the window, never
  for (let k = 0; k < 100; k++) {
    for (let i = 0; i < 5; i++) r.ended();
    r.tick();
  }
  assert.equal(gcs, 2, 'no GC for 500 sessions over 100 intervals');
});

test('gc is available without --expose-gc and frees memory', () => {
  const gc = exposeGc();
  assert.ok(gc);
  let junk: Buffer[] | undefined = Array.from({ length: 200 }, () => Buffer.alloc(64 * 1024, 1));
  assert.equal(junk.length, 200);
  junk = undefined;
  gc();
  assert.ok(process.memoryUsage().arrayBuffers < 8 * 1024 * 1024);
  let heap: object[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
  assert.equal(heap.length, 300_000);
  const grown = process.memoryUsage().heapTotal;
  heap = undefined;
  gc();
  assert.ok(process.memoryUsage().heapTotal < grown / 2, 'the heap was handed back');
});
