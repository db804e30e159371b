import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from './report.ts';
import type { CallRecord, SessionRecord } from './store.ts';

const DAY = 86_400_000;
const T = Date.parse('2026-11-27T23:50:00Z');
const call = (id: string, roomId: string, startedAt: number, endedAt?: number): CallRecord => ({ id, appId: 'a', roomId, startedAt, endedAt, closedOnRestart: false });
const ses = (callId: string, userId: string, joinedAt: number, leftAt?: number): SessionRecord => ({ callId, userId, joinedAt, leftAt, published: [] });

test('presence is summed per room, clipped to the window and split per UTC day', () => {
  const calls = [
    // 20 minutes across midnight, two members (20 + 10 minutes)
    { call: call('c1', 'r1', T, T + 20 * 60_000), sessions: [ses('c1', 'u1', T, T + 20 * 60_000), ses('c1', 'u2', T + 5 * 60_000, T + 15 * 60_000)] },
    // still going: counts up to now
    { call: call('c2', 'r2', T + DAY), sessions: [ses('c2', 'u1', T + DAY)] },
  ];
  const r = buildReport('a', T - DAY, T + 2 * DAY, calls, T + DAY + 60_000);
  assert.deepEqual(r.rooms, [
    { roomId: 'r1', calls: 1, participantSeconds: 1800, participantMinutes: 30 },
    { roomId: 'r2', calls: 1, participantSeconds: 60, participantMinutes: 1 },
  ]);
  assert.deepEqual(r.days, [
    // before midnight: u1 10 min, u2 5 min; after: the same, and r2's minute
    { day: '2026-11-27', participantSeconds: 900, participantMinutes: 15 },
    { day: '2026-11-28', participantSeconds: 960, participantMinutes: 16 },
  ]);
  assert.deepEqual(r.totals, { calls: 2, participantSeconds: 1860, participantMinutes: 31 });
  // a window over the last 5 minutes of c1 only
  const w = buildReport('a', T + 15 * 60_000, T + 25 * 60_000, calls, T + DAY);
  assert.deepEqual(w.rooms, [{ roomId: 'r1', calls: 1, participantSeconds: 300, participantMinutes: 5 }]);
});

test('a session is clipped to its call, and an open session ends with its call', () => {
  const calls = [{ call: call('c', 'r', T, T + 60_000), sessions: [ses('c', 'u', T - 60_000, T + 120_000), ses('c', 'v', T + 30_000)] }];
  assert.equal(buildReport('a', T - DAY, T + DAY, calls, T + DAY).totals.participantSeconds, 90);
});
