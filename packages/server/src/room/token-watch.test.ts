import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenWatch, expiryMs } from './token-watch.ts';
import type { MemberGrants } from './member.ts';

function watch(grants: MemberGrants, leadMs: number) {
  const log: string[] = [];
  const w = new TokenWatch(() => grants, leadMs, {
    willExpire: (e) => log.push(`warn ${e}`),
    expired: () => log.push('expired'),
    publishExpired: () => log.push('publish'),
    subscribeExpired: () => log.push('subscribe'),
  });
  return { w, log };
}

test('warns once before the earliest expiry, then expires; nothing for a never-expiring token', () => {
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 100;
  const { w, log } = watch({ tokenExpireAt: exp, publishExpireAt: exp, subscribeExpireAt: exp }, 30_000);
  assert.deepEqual(log, []);
  w.schedule(expiryMs(exp) - 30_000);
  w.schedule(expiryMs(exp) - 29_000);
  assert.deepEqual(log, [`warn ${exp}`]);
  w.schedule(expiryMs(exp));
  assert.deepEqual(log, [`warn ${exp}`, 'expired']);
  w.schedule(expiryMs(exp) + 5000);
  assert.equal(log.length, 2);
  const never = watch({ tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 }, 30_000);
  never.w.schedule(Date.now() + 1e12);
  assert.deepEqual(never.log, []);
  never.w.stop();
});

test('a publish privilege ending before the token revokes publishing only; renewal re-arms', () => {
  const base = Math.floor(Date.now() / 1000) + 1000;
  const grants: MemberGrants = { tokenExpireAt: base + 100, publishExpireAt: base, subscribeExpireAt: base + 100 };
  const { w, log } = watch(grants, 10_000);
  w.schedule(expiryMs(base) - 10_000);
  w.schedule(expiryMs(base));
  assert.deepEqual(log, [`warn ${base}`, 'publish']);
  w.schedule(expiryMs(base) + 1000);
  assert.deepEqual(log, [`warn ${base}`, 'publish']);
  grants.publishExpireAt = base + 50;
  w.renewed();
  w.schedule(expiryMs(base + 50) - 10_000);
  w.schedule(expiryMs(base + 50));
  assert.deepEqual(log, [`warn ${base}`, 'publish', `warn ${base + 50}`, 'publish']);
  w.stop();
});

test('warningDue: the expiry inside the lead time, for a resumed session', () => {
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 20;
  const w = new TokenWatch(() => ({ tokenExpireAt: exp, publishExpireAt: exp, subscribeExpireAt: exp }), 30_000, {
    willExpire: () => undefined,
    expired: () => undefined,
    publishExpired: () => undefined,
    subscribeExpired: () => undefined,
  });
  try {
    assert.equal(w.warningDue(now), exp);
    assert.equal(w.warningDue(now - 60_000), undefined);
  } finally {
    w.stop();
  }
});
