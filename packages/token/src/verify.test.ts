import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  AccessToken,
  Privileges,
  effectiveExpiry,
  parseToken,
  privilegeExpiry,
  verifyToken,
  type ParsedToken,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
} from './index.ts';
import { APP_ID, APP_KEY, VECTORS } from './test-vectors.ts';

const [V1, V2, , V4, V5] = VECTORS.map((v) => v.token);
const T0 = 1700000000;
const EXP = 1700086400;
const { PublishStream, PublishAudioStream, SubscribeStream } = Privileges;

function check(token: string | undefined, opts: VerifyOptions, reason?: VerifyFailure): VerifyResult {
  assert.ok(token !== undefined);
  let r: VerifyResult | undefined;
  assert.doesNotThrow(() => { r = verifyToken(token, opts); });
  assert.ok(r);
  if (reason === undefined) {
    assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.message}`);
  } else {
    assert.ok(!r.ok, `expected ${reason}`);
    assert.equal(r.reason, reason, r.message);
    assert.ok(r.message.length > 0);
  }
  return r;
}

function parsed(token: string | undefined): ParsedToken {
  const r = parseToken(token ?? '');
  assert.ok(r.ok);
  return r.token;
}

function build(opts: { room?: string; user?: string; expireAt?: number; privs?: Array<[0 | 1 | 2 | 3 | 4, number]>; key?: string }): string {
  const t = new AccessToken(APP_ID, opts.key ?? APP_KEY, opts.room ?? 'room1', opts.user ?? 'user1');
  t.issuedAt = 1000;
  if (opts.expireAt !== undefined) t.expireTime(opts.expireAt);
  for (const [id, exp] of opts.privs ?? []) t.addPrivilege(id, exp);
  return t.serialize();
}

test('V1 verifies with every check enabled', () => {
  const full = { appKey: APP_KEY, appId: APP_ID, roomId: 'room1', userId: 'user1', now: T0 };
  const r = check(V1, { ...full, privilege: [PublishStream, SubscribeStream] });
  assert.ok(r.ok);
  assert.equal(r.token.roomId, 'room1');
  check(V1, { ...full, privilege: SubscribeStream });
  check(V1, { ...full, privilege: PublishAudioStream });
  check(V1, { appKey: APP_KEY, now: T0 });
  check(V1, { ...full, now: EXP }); // boundary: now == expireAt is still valid
});

test('expired token (token expiry wins over privilege expiry)', () => {
  const r = check(V1, { appKey: APP_KEY, now: EXP + 1 }, 'expired');
  assert.ok(!r.ok && r.token?.expireAt === EXP);
  check(V5, { appKey: APP_KEY, now: EXP + 1, privilege: SubscribeStream }, 'expired');
  check(V1, { appKey: APP_KEY }, 'expired'); // default now = wall clock, V1 expired in 2023
  const future = Math.floor(Date.now() / 1000) + 3600;
  check(build({ expireAt: future, privs: [[SubscribeStream, future]] }), { appKey: APP_KEY, privilege: SubscribeStream });
});

test('expireAt 0 never expires', () => {
  check(V2, { appKey: APP_KEY, now: 0xffffffff, privilege: [PublishStream, SubscribeStream] });
  check(build({}), { appKey: APP_KEY, now: 4e9 });
});

test('app, room and user mismatches', () => {
  check(V1, { appKey: APP_KEY, now: T0, appId: '876543218765432187654321' }, 'app-mismatch');
  check(V1, { appKey: APP_KEY, now: T0, roomId: 'room2' }, 'room-mismatch');
  check(V1, { appKey: APP_KEY, now: T0, roomId: '*' }, 'room-mismatch'); // wildcard only on the token side
  check(V1, { appKey: APP_KEY, now: T0, roomId: '' }, 'room-mismatch');
  check(V1, { appKey: APP_KEY, now: T0, userId: 'user2' }, 'user-mismatch');
  check(V1, { appKey: APP_KEY, now: T0, roomId: 'room1', userId: 'USER1' }, 'user-mismatch');
});

test('wildcard room "*" accepts any room', () => {
  for (const roomId of ['room1', 'other', '', '测试', '*']) {
    check(V5, { appKey: APP_KEY, now: T0, roomId, userId: 'user1', privilege: [PublishStream, SubscribeStream] });
  }
  check(V5, { appKey: APP_KEY, now: T0, roomId: 'x', userId: 'user2' }, 'user-mismatch');
});

test('per-privilege expiry', () => {
  const token = build({ expireAt: 0, privs: [[PublishStream, 2000], [SubscribeStream, 0]] });
  check(token, { appKey: APP_KEY, now: 2000, privilege: [PublishStream, SubscribeStream] });
  check(token, { appKey: APP_KEY, now: 2001, privilege: SubscribeStream });
  check(token, { appKey: APP_KEY, now: 2001 }); // no privilege requested
  const r = check(token, { appKey: APP_KEY, now: 2001, privilege: [SubscribeStream, PublishStream] }, 'privilege-expired');
  assert.ok(!r.ok && /privilege 0 expired at 2000/.test(r.message));
  check(token, { appKey: APP_KEY, now: 2001, privilege: PublishAudioStream }, 'privilege-expired');
});

test('subscribe-only token lacks publish privileges', () => {
  const opts = { appKey: APP_KEY, now: T0, roomId: 'room_测试', userId: 'user-é' };
  check(V4, { ...opts, privilege: SubscribeStream });
  check(V4, { ...opts, privilege: PublishStream }, 'privilege-missing');
  check(V4, { ...opts, privilege: [SubscribeStream, PublishAudioStream] }, 'privilege-missing');
  check(VECTORS[2]?.token, { appKey: APP_KEY, now: T0, privilege: SubscribeStream }, 'privilege-missing'); // V3: none
});

test('tampering and wrong appKey give bad-signature', () => {
  const content = Buffer.from((V1 ?? '').slice(27), 'base64');
  for (const pos of [2, 10, 16, 33, 59, 62, 93]) { // nonce, expireAt, roomId, privilege expiry, last msg byte, signature
    const c = Buffer.from(content);
    c[pos] = (c[pos] ?? 0) ^ 0x01;
    const tampered = '001' + APP_ID + c.toString('base64');
    assert.ok(parseToken(tampered).ok, `tampered byte ${pos} still parses`);
    const r = check(tampered, { appKey: APP_KEY, now: T0 }, 'bad-signature');
    assert.ok(!r.ok && r.token !== undefined);
  }
  check(V1, { appKey: 'app_key_for_tesT', now: T0 }, 'bad-signature');
  check(build({ key: 'other key' }), { appKey: APP_KEY, now: T0 }, 'bad-signature');
  // appId is not signed: a swapped appId is caught by the appId check (and by the key lookup in practice).
  const swapped = '001' + '8'.repeat(24) + (V1 ?? '').slice(27);
  check(swapped, { appKey: APP_KEY, now: T0 });
  check(swapped, { appKey: APP_KEY, now: T0, appId: APP_ID }, 'app-mismatch');
});

test('malformed tokens and unusable options fail closed', () => {
  const r = check('garbage', { appKey: APP_KEY }, 'malformed');
  assert.ok(!r.ok && r.token === undefined);
  check((V1 ?? '') + 'A', { appKey: APP_KEY, now: T0 }, 'malformed');
  check(V1, { appKey: '', now: T0 }, 'malformed');
  check(V1, { appKey: APP_KEY, now: Number.NaN }, 'malformed');
  check(V1, null as unknown as VerifyOptions, 'malformed');
  check(V1, { appKey: 5 } as unknown as VerifyOptions, 'malformed');
  const u = verifyToken(undefined as unknown as string, { appKey: APP_KEY });
  assert.ok(!u.ok && u.reason === 'malformed');
});

test('privilegeExpiry and effectiveExpiry', () => {
  const v1 = parsed(V1);
  assert.equal(privilegeExpiry(v1, PublishStream), EXP);
  assert.equal(privilegeExpiry(parsed(V4), PublishStream), undefined);
  assert.equal(effectiveExpiry(v1), EXP);
  assert.equal(effectiveExpiry(v1, [PublishStream, SubscribeStream]), EXP);
  assert.equal(effectiveExpiry(parsed(V2), [PublishStream, SubscribeStream]), 0);
  assert.equal(effectiveExpiry(parsed(V5), [PublishStream, SubscribeStream]), EXP);

  const mixed = parsed(build({ expireAt: 0, privs: [[PublishStream, 100], [SubscribeStream, 200]] }));
  assert.equal(effectiveExpiry(mixed), 0);
  assert.equal(effectiveExpiry(mixed, [SubscribeStream]), 200);
  assert.equal(effectiveExpiry(mixed, [SubscribeStream, PublishStream]), 100);
  const capped = parsed(build({ expireAt: 150, privs: [[PublishStream, 100], [SubscribeStream, 0]] }));
  assert.equal(effectiveExpiry(capped, [SubscribeStream]), 150);
  assert.equal(effectiveExpiry(capped, [PublishStream]), 100);
  assert.equal(effectiveExpiry(parsed(V4), [PublishStream]), 1700003600); // missing privilege ignored
});
