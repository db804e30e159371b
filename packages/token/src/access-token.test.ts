import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { AccessToken, Privileges, TokenError, parseToken } from './index.ts';
import { APP_ID, APP_KEY, VECTORS, buildVector } from './test-vectors.ts';

for (const v of VECTORS) {
  test(`vector ${v.name} is reproduced exactly`, () => {
    const token = buildVector(v).serialize();
    assert.equal(token, v.token);

    const content = Buffer.from(token.slice(27), 'base64');
    const msgLen = content.readUInt16LE(0);
    const msg = content.subarray(2, 2 + msgLen);
    assert.equal(msg.toString('hex'), v.msgHex);
    assert.equal(content.readUInt16LE(2 + msgLen), 32);
    const sig = content.subarray(4 + msgLen);
    assert.equal(sig.length, 32);
    const expectedSig = createHmac('sha256', Buffer.from(APP_KEY, 'utf8')).update(msg).digest('hex');
    assert.equal(sig.toString('hex'), expectedSig);
    if (v.sigHex !== undefined) assert.equal(sig.toString('hex'), v.sigHex);
    if (v.contentHex !== undefined) assert.equal(content.toString('hex'), v.contentHex);

    const parsed = parseToken(token);
    assert.ok(parsed.ok);
    assert.equal(parsed.token.message.toString('hex'), v.msgHex);
    assert.equal(parsed.token.signature.toString('hex'), expectedSig);
    assert.equal(parsed.token.roomId, v.roomId);
    assert.equal(parsed.token.userId, v.userId);
  });
}

test('V1 parses to the fields listed in the spec', () => {
  const v1 = VECTORS[0];
  assert.ok(v1);
  const r = parseToken(v1.token);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const t = r.token;
  assert.equal(t.version, '001');
  assert.equal(t.appId, '123456781234567812345678');
  assert.equal(t.nonce, 12345678);
  assert.equal(t.issuedAt, 1700000000);
  assert.equal(t.expireAt, 1700086400);
  assert.equal(t.roomId, 'room1');
  assert.equal(t.userId, 'user1');
  assert.deepEqual(
    [...t.privileges],
    [0, 1, 2, 3, 4].map((id) => [id, 1700086400]),
  );
  assert.equal(t.message.length, 58);
  assert.equal(t.signature.length, 32);
  assert.equal(t.signature.toString('hex'), 'ca8fcbdfab35fe3495cfe7c3345279155d941ce34ed3b1b75ca00f94c700ade2');
});

test('defaults: CSPRNG nonce per token, issuedAt = now, expireAt 0, no privileges', () => {
  const before = Math.floor(Date.now() / 1000);
  const nonces = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const t = new AccessToken(APP_ID, APP_KEY, 'r', 'u');
    assert.ok(Number.isInteger(t.nonce) && t.nonce >= 0 && t.nonce <= 0xffffffff);
    nonces.add(t.nonce);
    assert.ok(t.issuedAt >= before && t.issuedAt <= Math.floor(Date.now() / 1000));
    assert.equal(t.expireAt, 0);
    assert.equal(t.privileges.size, 0);
  }
  assert.ok(nonces.size > 1, 'nonce must differ between tokens');
});

test('PublishStream adds ids 1-3 with the same expiry; re-adding overwrites', () => {
  const t = new AccessToken(APP_ID, APP_KEY, 'r', 'u');
  t.addPrivilege(Privileges.SubscribeStream, 5).addPrivilege(Privileges.PublishStream, 7);
  assert.deepEqual([...t.privileges], [[0, 7], [1, 7], [2, 7], [3, 7], [4, 5]]);
  t.addPrivilege(Privileges.PublishAudioStream, 9);
  assert.equal(t.privileges.get(1), 9);
  assert.equal(t.expireTime(123), t, 'expireTime chains');
  assert.equal(t.expireAt, 123);
});

function assertTokenError(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TokenError, `expected TokenError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('uint32 ranges are validated (invalid-argument)', () => {
  const t = new AccessToken(APP_ID, APP_KEY, 'r', 'u');
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, Infinity]) {
    assertTokenError(() => { t.nonce = bad; }, 'invalid-argument', /nonce/);
    assertTokenError(() => { t.issuedAt = bad; }, 'invalid-argument', /issuedAt/);
    assertTokenError(() => t.expireTime(bad), 'invalid-argument', /expireTime/);
    assertTokenError(() => t.addPrivilege(Privileges.SubscribeStream, bad), 'invalid-argument', /expiry/);
  }
  assertTokenError(() => t.addPrivilege(70000 as unknown as 0, 0), 'invalid-argument', /privilege id/);
  t.nonce = 0xffffffff;
  t.issuedAt = 0;
  t.expireTime(0xffffffff);
  assert.equal(t.nonce, 0xffffffff);
  assert.ok(parseToken(t.serialize()).ok);
});

test('constructor validates appId, appKey and ids', () => {
  assertTokenError(() => new AccessToken('short', APP_KEY, 'r', 'u'), 'invalid-argument', /appId/);
  assertTokenError(() => new AccessToken(APP_ID + 'x', APP_KEY, 'r', 'u'), 'invalid-argument', /appId/);
  assertTokenError(() => new AccessToken(APP_ID, '', 'r', 'u'), 'invalid-argument', /appKey/);
  assertTokenError(() => new AccessToken(APP_ID, APP_KEY, 'a\uD800b', 'u'), 'invalid-argument', /roomId.*surrogate/);
  assertTokenError(() => new AccessToken(APP_ID, APP_KEY, 'r', '\uDC00'), 'invalid-argument', /userId.*surrogate/);
});

test('buffers are sized dynamically up to the u16 limits; longer ids throw field-too-long', () => {
  // 12 bytes of integers + 2 + 65517 (roomId) + 2 + 0 (userId) + 2 (count) = 65535-byte message.
  const big = 'x'.repeat(65517);
  const t = new AccessToken(APP_ID, APP_KEY, big, '');
  const r = parseToken(t.serialize());
  assert.ok(r.ok);
  assert.equal(r.token.roomId, big);
  assert.equal(r.token.message.length, 65535);
  new AccessToken(APP_ID, APP_KEY, 'x'.repeat(65535), ''); // a single id may be 65535 bytes…
  assertTokenError(() => new AccessToken(APP_ID, APP_KEY, big + 'x', '').serialize(), 'field-too-long', /signed message is 65536/);
  assertTokenError(() => new AccessToken(APP_ID, APP_KEY, 'x'.repeat(65536), 'u'), 'field-too-long', /roomId is 65536/);
  assertTokenError(() => new AccessToken(APP_ID, APP_KEY, 'r', '测'.repeat(21846)), 'field-too-long', /userId is 65538/);
  // Each id fits, but together they overflow the u16 length prefix of the signed message.
  const both = new AccessToken(APP_ID, APP_KEY, 'x'.repeat(40000), 'y'.repeat(40000));
  assertTokenError(() => both.serialize(), 'field-too-long', /signed message is \d+ bytes/);
});
