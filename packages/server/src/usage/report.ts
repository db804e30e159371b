/**
 * Usage arithmetic: member presence clipped to a window, summed per room and per UTC day.
 * Pure: the stores only keep records.
 * @module
 */
import type { CallRecord, DayUsage, RoomUsage, SessionRecord, UsageReport } from './store.ts';

const DAY_MS = 86_400_000;

/** Seconds of [a, b) inside [from, to). */
function overlapSeconds(a: number, b: number, from: number, to: number): number {
  return Math.max(0, Math.min(b, to) - Math.max(a, from)) / 1000;
}

const minutes = (seconds: number): number => Math.round((seconds / 60) * 100) / 100;
const seconds3 = (s: number): number => Math.round(s * 1000) / 1000;

/**
 * The usage report of `calls` over [from, to). Open sessions and calls count up to `now`; a
 * session's presence is clipped to its call (a session never outlives it).
 */
export function buildReport(appId: string, from: number, to: number, calls: readonly { call: CallRecord; sessions: readonly SessionRecord[] }[], now: number): UsageReport {
  const rooms = new Map<string, { calls: number; seconds: number }>();
  const days = new Map<number, number>();
  for (const { call, sessions } of calls) {
    const callEnd = call.endedAt ?? now;
    if (overlapSeconds(call.startedAt, Math.max(callEnd, call.startedAt + 1), from, to) <= 0) continue;
    const r = rooms.get(call.roomId) ?? { calls: 0, seconds: 0 };
    r.calls++;
    for (const s of sessions) {
      const a = Math.max(s.joinedAt, call.startedAt);
      const b = Math.min(s.leftAt ?? callEnd, callEnd);
      r.seconds += overlapSeconds(a, b, from, to);
      // per UTC day
      for (let day = Math.floor(Math.max(a, from) / DAY_MS) * DAY_MS; day < Math.min(b, to); day += DAY_MS) {
        const sec = overlapSeconds(a, b, Math.max(day, from), Math.min(day + DAY_MS, to));
        if (sec > 0) days.set(day, (days.get(day) ?? 0) + sec);
      }
    }
    rooms.set(call.roomId, r);
  }
  const roomList: RoomUsage[] = [...rooms]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([roomId, r]) => ({ roomId, calls: r.calls, participantSeconds: seconds3(r.seconds), participantMinutes: minutes(r.seconds) }));
  const dayList: DayUsage[] = [...days]
    .sort(([a], [b]) => a - b)
    .map(([day, s]) => ({ day: new Date(day).toISOString().slice(0, 10), participantSeconds: seconds3(s), participantMinutes: minutes(s) }));
  let total = 0;
  let callCount = 0;
  for (const r of rooms.values()) {
    total += r.seconds;
    callCount += r.calls;
  }
  return {
    appId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    rooms: roomList,
    days: dayList,
    totals: { calls: callCount, participantSeconds: seconds3(total), participantMinutes: minutes(total) },
  };
}
