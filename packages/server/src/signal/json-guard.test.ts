import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, jsonDepth } from './json-guard.ts';

test('depth of ordinary frames', () => {
  assert.equal(jsonDepth('{"id":1,"method":"ping","params":{}}'), 2);
  assert.equal(jsonDepth('{"id":1,"method":"setPublish","params":{"sources":["audio"],"publish":true}}'), 3);
  assert.equal(jsonDepth('"just a string"'), 0);
  assert.equal(jsonDepth('42'), 0);
});

test('brackets inside strings, escaped quotes included, do not count', () => {
  assert.equal(jsonDepth('{"sdp":"[[[[{{{{ \\"[[[[\\" ]]"}'), 1);
  assert.equal(jsonDepth(JSON.stringify({ a: '\\', b: ['x'] })), 2);
});

test('deep nesting is refused early, at the limit and not below it', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.equal(jsonDepth(deep(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
  assert.equal(jsonDepth(deep(MAX_JSON_DEPTH + 1)), -1);
  assert.equal(jsonDepth(deep(32_000)), -1);
  assert.equal(jsonDepth('{"a":'.repeat(40) + '1' + '}'.repeat(40)), -1);
});
