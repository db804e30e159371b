import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, NO_PATCH, packPatch } from './payload-patch.ts';

test('a patch writes 1 or 2 bytes and its undo puts the original back', () => {
  const buf = Buffer.from([1, 2, 3, 4, 5]);
  const undo2 = applyPatch(buf, packPatch(1, 2, 0x8123));
  assert.deepEqual([...buf], [1, 0x81, 0x23, 4, 5]);
  const undo1 = applyPatch(buf, packPatch(4, 1, 0xee));
  assert.deepEqual([...buf], [1, 0x81, 0x23, 4, 0xee]);
  applyPatch(buf, undo1);
  applyPatch(buf, undo2);
  assert.deepEqual([...buf], [1, 2, 3, 4, 5]);
});

test('no patch, or one past the end, changes nothing', () => {
  const buf = Buffer.from([1, 2]);
  assert.equal(applyPatch(buf, NO_PATCH), NO_PATCH);
  assert.equal(applyPatch(buf, packPatch(1, 2, 0xffff)), NO_PATCH);
  assert.deepEqual([...buf], [1, 2]);
});
