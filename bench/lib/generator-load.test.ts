// The generator-load helpers that read /proc text: the allowed cores and per-core idle time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedCores, coreTimes } from './generator-load.ts';

test('allowed cores from Cpus_allowed_list', () => {
  assert.deepEqual(allowedCores('Name:\tnode\nCpus_allowed:\t2\nCpus_allowed_list:\t1\n'), [1]);
  assert.deepEqual(allowedCores('Cpus_allowed_list:\t0-2,5\n'), [0, 1, 2, 5]);
  assert.deepEqual(allowedCores('nothing here'), []);
});

test('per-core idle (idle + iowait) and total jiffies', () => {
  const stat = 'cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 5 0 5 50 2 0 1 0 0 0\ncpu1 1 1 1 70 3 1 1 2 0 0\nintr 1 2 3\n';
  const t = coreTimes(stat);
  assert.deepEqual(t.get(0), { idle: 52, total: 63 });
  assert.deepEqual(t.get(1), { idle: 73, total: 80 });
  assert.equal(t.size, 2);
});
