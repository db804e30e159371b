import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerMatches } from './auth.ts';

test('bearerMatches accepts exactly "Bearer <key>"', () => {
  const key = 'k'.repeat(20);
  assert.equal(bearerMatches(`Bearer ${key}`, key), true);
  assert.equal(bearerMatches(`bearer ${key}`, key), true);
  for (const h of [undefined, '', key, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, `Basic ${key}`, `Bearer  `, `Bearer ${key} extra`]) {
    assert.equal(bearerMatches(h, key), false, String(h));
  }
});
