import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FanOut } from './fan-out.ts';

test('the list follows adds, deletes and clears, and is kept while nothing changes', () => {
  const s = new FanOut<string>();
  assert.deepEqual(s.list, []);
  s.add('a').add('b');
  const l = s.list;
  assert.deepEqual(l, ['a', 'b']);
  s.add('a'); // already there
  assert.equal(s.list, l, 'unchanged: the same array');
  assert.equal(s.delete('x'), false);
  assert.equal(s.list, l);
  assert.equal(s.delete('a'), true);
  assert.deepEqual(s.list, ['b']);
  assert.deepEqual(l, ['a', 'b'], 'a list given out is not changed');
  s.add('c');
  assert.deepEqual(s.list, ['b', 'c']);
  s.clear();
  assert.deepEqual(s.list, []);
  assert.equal(s.size, 0);
});
