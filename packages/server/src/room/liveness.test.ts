import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Member } from './member.ts';
import { verdict } from './liveness.ts';

const c = { ghostTimeoutMs: 4000, resumeGraceMs: 20_000 };
const member = (lastSignalAt: number, detachedAt?: number) => {
  const m = new Member('app', 'room', 'u', { sendRaw: () => undefined }, { tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  m.lastSignalAt = lastSignalAt;
  m.detachedAt = detachedAt;
  return m;
};

test('alive while signaling or media shows life within the ghost timeout', () => {
  assert.equal(verdict(member(1000), undefined, 4999, c), undefined);
  assert.equal(verdict(member(0), 3000, 6999, c), undefined); // signaling silent, media flowing
  assert.equal(verdict(member(3000), 0, 6999, c), undefined); // media silent, signaling fresh
});

test('silent on both for the ghost timeout: gone (a 3 s cut is not)', () => {
  assert.match(verdict(member(0), 0, 4000, c) ?? '', /no signaling or media for 4000 ms/);
  assert.match(verdict(member(0), undefined, 4000, c) ?? '', /no signaling or media/);
  assert.equal(verdict(member(0), 0, 3000, c), undefined);
});

test('a detached member whose media flows is kept for the grace window, then dropped', () => {
  const m = member(0, 1000);
  assert.equal(verdict(m, 20_500, 20_999, c), undefined);
  assert.match(verdict(m, 20_900, 21_000, c) ?? '', /not resumed within 20000 ms/);
});
