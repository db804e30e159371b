import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress } from './route.ts';

test('isLoopbackAddress: IPv4 127/8 (also IPv4-mapped) and ::1 only', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '::1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', '::2', '1270.0.0.1']) assert.equal(isLoopbackAddress(a), false, String(a));
});
