import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtcError } from '@rtcroom/protocol';
import { RoomManager } from './room-manager.ts';
import type { MemberGrants } from './member.ts';

const grants: MemberGrants = { tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 };

function sink(): { frames: { event: string; data: { userIdList: string[] } }[]; sendRaw(f: string): void } {
  const frames: { event: string; data: { userIdList: string[] } }[] = [];
  return { frames, sendRaw: (f) => frames.push(JSON.parse(f)) };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a burst of joins sends one snapshot per member per tick', async () => {
  const rm = new RoomManager({ maxMembersPerRoom: 1000, snapshotIntervalMs: 30 });
  const sinks = Array.from({ length: 20 }, () => sink());
  sinks.forEach((s, i) => rm.join({ appId: 'a', roomId: 'r', userId: `u${i}`, sink: s, grants }));
  await tick(80);
  // the last joiner learnt the full list from its join reply and gets nothing
  assert.equal(sinks[19]!.frames.length, 0);
  for (const s of sinks.slice(0, 19)) {
    assert.equal(s.frames.length, 1);
    assert.equal(s.frames[0]!.data.userIdList.length, 20);
  }
});

test('same user id twice in one app fails with 21100 and keeps the first; other apps are separate', () => {
  const rm = new RoomManager({ maxMembersPerRoom: 10, snapshotIntervalMs: 10 });
  const first = rm.join({ appId: 'a', roomId: 'r1', userId: 'u', sink: sink(), grants });
  assert.throws(
    () => rm.join({ appId: 'a', roomId: 'r2', userId: 'u', sink: sink(), grants }),
    (e: unknown) => e instanceof RtcError && e.errNo === 21100 && e.errMsg === 'joinRtcRoom:fail user u is already in the room r1',
  );
  assert.equal(rm.memberOf('a', 'u'), first.member);
  const other = rm.join({ appId: 'b', roomId: 'r1', userId: 'u', sink: sink(), grants });
  assert.notEqual(other.room, first.room);
  assert.equal(rm.roomCount, 2);
});

test('rooms disappear when empty and a full room refuses joins', () => {
  const rm = new RoomManager({ maxMembersPerRoom: 1, snapshotIntervalMs: 10 });
  const closed: string[] = [];
  rm.on('roomClosed', (r) => closed.push(r.roomId));
  const { member } = rm.join({ appId: 'a', roomId: 'r', userId: 'u1', sink: sink(), grants });
  assert.throws(() => rm.join({ appId: 'a', roomId: 'r', userId: 'u2', sink: sink(), grants }), (e: unknown) => e instanceof RtcError && e.code === 'roomFull');
  assert.equal(rm.memberOf('a', 'u2'), undefined);
  assert.equal(rm.leave(member, 'exit'), true);
  assert.equal(rm.leave(member, 'exit'), false);
  assert.deepEqual(closed, ['r']);
  assert.equal(rm.roomCount, 0);
  assert.equal(rm.memberCount, 0);
});
