import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signBody, verifySignature } from './signature.ts';

test('signBody is sha256= hex HMAC of the raw body; verifySignature checks it', () => {
  const body = '{"event":"room_started"}';
  const sig = signBody(body, 'key-key-key-key-key');
  assert.equal(sig, `sha256=${createHmac('sha256', 'key-key-key-key-key').update(body).digest('hex')}`);
  assert.equal(verifySignature(body, sig, 'key-key-key-key-key'), true);
  assert.equal(verifySignature(`${body} `, sig, 'key-key-key-key-key'), false);
  assert.equal(verifySignature(body, sig, 'other-key-other-key'), false);
  assert.equal(verifySignature(body, undefined, 'key-key-key-key-key'), false);
  assert.equal(verifySignature(body, sig.slice(0, -1), 'key-key-key-key-key'), false);
});
