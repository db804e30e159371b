import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publicUrlFor } from './public-url.ts';

test('the listening address, or on every interface the announced one', () => {
  assert.equal(publicUrlFor('127.0.0.1', 7880), 'http://127.0.0.1:7880');
  assert.equal(publicUrlFor('::1', 7880), 'http://[::1]:7880');
  assert.equal(publicUrlFor('0.0.0.0', 7881, '203.0.113.10'), 'http://203.0.113.10:7881');
  assert.match(publicUrlFor('0.0.0.0', 7882), /^http:\/\/\d+\.\d+\.\d+\.\d+:7882$/);
});
