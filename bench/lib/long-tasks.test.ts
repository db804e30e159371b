import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longTasks, type CpuProfile } from './long-tasks.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9 });

/** root → processTimers → listOnTimeout → tick (packages/server/src/media/router.ts); root → (idle); root → (garbage collector). */
const nodes: CpuProfile['nodes'] = [
  { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
  { id: 2, callFrame: frame('processTimers', 'node:internal/timers'), children: [3] },
  { id: 3, callFrame: frame('listOnTimeout', 'node:internal/timers'), children: [4] },
  { id: 4, callFrame: frame('tick', 'file:///work/packages/server/src/media/router.ts') },
  { id: 5, callFrame: frame('(idle)') },
  { id: 6, callFrame: frame('(garbage collector)') },
];

test('busy stretches between idle samples, longest first, by entry point', () => {
  // 1 ms samples: idle, 30 busy (20 in the tick, then 10 of GC), idle, 5 busy, idle
  const samples = [5, ...Array(20).fill(4), ...Array(10).fill(6), 5, ...Array(5).fill(4), 5];
  const p: CpuProfile = { nodes, samples, timeDeltas: samples.map(() => 1000) };
  const tasks = longTasks(p, 3);
  assert.deepEqual(
    tasks.map((t) => [t.atMs, t.ms]),
    [
      [1, 30],
      [32, 5],
    ],
  );
  assert.deepEqual(tasks[0]!.entries, [
    { entry: 'tick packages/server/src/media/router.ts:10', ms: 20 },
    { entry: '(garbage collector)', ms: 10 },
  ]);
  // shorter than the threshold: left out; a profile that never idles is one task
  assert.deepEqual(longTasks(p, 6).length, 1);
  const busy: CpuProfile = { nodes, samples: [4, 4, 4], timeDeltas: [1000, 1000, 1000] };
  assert.deepEqual(longTasks(busy, 1).map((t) => t.ms), [2]);
});
