import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, parsePath, PathError } from './set-data.ts';

test('path keys parse into names and indexes', () => {
  assert.deepEqual(parsePath('a'), ['a']);
  assert.deepEqual(parsePath('a.b[0].c'), ['a', 'b', 0, 'c']);
  assert.deepEqual(parsePath('list[2][1]'), ['list', 2, 1]);
  assert.deepEqual(parsePath('a\\.b'), ['a.b']);
  for (const bad of ['', '.a', 'a.', 'a..b', '[0]', 'a[x]', 'a[0]b', 'a.__proto__.x', 'constructor']) {
    assert.throws(() => parsePath(bad), PathError, bad);
  }
});

test('setData patches set nested fields, creating objects and arrays on the way', () => {
  const data: Record<string, unknown> = { a: { b: [{ c: 1 }, { c: 2 }] }, keep: 'x' };
  applyPatch(data, { 'a.b[1].c': 20, 'n.m': 1, 'l[2]': 'z', top: true });
  const { l, ...rest } = data;
  assert.deepEqual(rest, { a: { b: [{ c: 1 }, { c: 20 }] }, keep: 'x', n: { m: 1 }, top: true });
  assert.ok(Array.isArray(l));
  assert.equal(l.length, 3);
  assert.equal(l[2], 'z');
  applyPatch(data, { a: 5 });
  assert.equal(data.a, 5);
  applyPatch(data, { 'a.x': 1 }); // a primitive on the way is replaced by an object
  assert.deepEqual(data.a, { x: 1 });
});

test('a bad key changes nothing', () => {
  const data: Record<string, unknown> = { a: 1 };
  assert.throws(() => applyPatch(data, { b: 2, 'c[': 3 }), PathError);
  assert.deepEqual(data, { a: 1 });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
