/**
 * Usage records: calls (a room from its first join to its last leave) and the member sessions in
 * them, kept in a database so they survive restarts. One interface, two stores: SQLite through
 * Node's built-in `node:sqlite` (the default, a file in the data directory) and PostgreSQL
 * through `pg` (several nodes sharing records).
 * @module
 */
import type { TrackSource } from '@rtcroom/protocol';

/** Usage of one room over a window. */
export interface RoomUsage {
  roomId: string;
  /** Calls of the room that overlap the window. */
  calls: number;
  /** Member presence inside the window, summed over members (seconds). */
  participantSeconds: number;
  /** The same in minutes (two decimals). */
  participantMinutes: number;
}

/** Usage of one UTC day. */
export interface DayUsage {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  participantSeconds: number;
  participantMinutes: number;
}

/** What the usage endpoint answers. */
export interface UsageReport {
  appId: string;
  /** Window start, ISO 8601. */
  from: string;
  /** Window end, ISO 8601. */
  to: string;
  rooms: RoomUsage[];
  days: DayUsage[];
  totals: { calls: number; participantSeconds: number; participantMinutes: number };
}

/** A member session as stored. */
export interface SessionRecord {
  callId: string;
  userId: string;
  /** ms since epoch */
  joinedAt: number;
  /** ms since epoch; undefined while in the room */
  leftAt: number | undefined;
  /** Sources published during the stay. */
  published: TrackSource[];
}

/** A call as stored. */
export interface CallRecord {
  id: string;
  appId: string;
  roomId: string;
  /** ms since epoch */
  startedAt: number;
  /** ms since epoch; undefined while the call goes on */
  endedAt: number | undefined;
  /** Whether the end was set at the next start (the server stopped without closing the call). */
  closedOnRestart: boolean;
}

/** A usage database. Calls are written in order by one recorder; reads may come at any time. */
export interface UsageStore {
  /**
   * Creates or upgrades the schema, then closes the calls and sessions `nodeId` left open when it
   * stopped without closing them (a crash): they end at its last sign of life ({@link alive}).
   * Resolves with how many calls were closed.
   */
  open(nodeId: string): Promise<{ closedCalls: number }>;
  /** Records that `nodeId` is alive at `at` (called every few seconds): the end given to what a crash leaves open. */
  alive(nodeId: string, at: number): Promise<void>;
  /** A call started on `nodeId`. */
  startCall(call: { id: string; nodeId: string; appId: string; roomId: string; startedAt: number }): Promise<void>;
  /** A call ended. */
  endCall(id: string, endedAt: number): Promise<void>;
  /** A member joined a call; `id` names its session. */
  startSession(s: { id: string; callId: string; userId: string; joinedAt: number }): Promise<void>;
  /** A member left, having published `published` during its stay. */
  endSession(id: string, leftAt: number, published: readonly TrackSource[]): Promise<void>;
  /** The calls of an app that overlap [from, to), oldest first, with their sessions. */
  calls(appId: string, from: number, to: number): Promise<{ call: CallRecord; sessions: SessionRecord[] }[]>;
  /** Frees the database. */
  close(): Promise<void>;
}

/** Schema migrations shared by both stores (portable SQL); migration `n` brings the schema to version `n`. */
export const MIGRATIONS: readonly string[][] = [
  [
    `CREATE TABLE nodes (id TEXT PRIMARY KEY, alive_at BIGINT NOT NULL)`,
    `CREATE TABLE calls (id TEXT PRIMARY KEY, node_id TEXT NOT NULL, app_id TEXT NOT NULL, room_id TEXT NOT NULL, started_at BIGINT NOT NULL, ended_at BIGINT, closed_on_restart INTEGER NOT NULL DEFAULT 0)`,
    `CREATE INDEX calls_by_app_time ON calls (app_id, started_at)`,
    `CREATE INDEX calls_open_by_node ON calls (node_id) WHERE ended_at IS NULL`,
    `CREATE TABLE member_sessions (id TEXT PRIMARY KEY, call_id TEXT NOT NULL REFERENCES calls (id), user_id TEXT NOT NULL, joined_at BIGINT NOT NULL, left_at BIGINT, published TEXT NOT NULL DEFAULT '')`,
    `CREATE INDEX member_sessions_by_call ON member_sessions (call_id)`,
  ],
];

/** The statements both stores run, with `?` placeholders (the PostgreSQL store numbers them). */
export const SQL = {
  closeOpenSessions: `UPDATE member_sessions SET left_at = CASE WHEN joined_at > ? THEN joined_at ELSE ? END WHERE left_at IS NULL AND call_id IN (SELECT id FROM calls WHERE node_id = ? AND ended_at IS NULL)`,
  closeOpenCalls: `UPDATE calls SET ended_at = CASE WHEN started_at > ? THEN started_at ELSE ? END, closed_on_restart = 1 WHERE node_id = ? AND ended_at IS NULL`,
  alive: `INSERT INTO nodes (id, alive_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET alive_at = excluded.alive_at`,
  aliveAt: `SELECT alive_at FROM nodes WHERE id = ?`,
  startCall: `INSERT INTO calls (id, node_id, app_id, room_id, started_at) VALUES (?, ?, ?, ?, ?)`,
  endCall: `UPDATE calls SET ended_at = ? WHERE id = ? AND ended_at IS NULL`,
  startSession: `INSERT INTO member_sessions (id, call_id, user_id, joined_at) VALUES (?, ?, ?, ?)`,
  endSession: `UPDATE member_sessions SET left_at = ?, published = ? WHERE id = ? AND left_at IS NULL`,
  calls: `SELECT id, app_id, room_id, started_at, ended_at, closed_on_restart FROM calls WHERE app_id = ? AND started_at < ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY started_at, id`,
  sessions: `SELECT s.id, s.call_id, s.user_id, s.joined_at, s.left_at, s.published FROM member_sessions s JOIN calls c ON c.id = s.call_id WHERE c.app_id = ? AND c.started_at < ? AND (c.ended_at IS NULL OR c.ended_at >= ?) ORDER BY s.joined_at, s.id`,
} as const;

/** A row of {@link SQL.calls} (numbers may come as strings or bigints from the driver). */
export interface CallRow {
  id: string;
  app_id: string;
  room_id: string;
  started_at: number | string | bigint;
  ended_at: number | string | bigint | null;
  closed_on_restart: number | string | bigint;
}

/** A row of {@link SQL.sessions}. */
export interface SessionRow {
  id: string;
  call_id: string;
  user_id: string;
  joined_at: number | string | bigint;
  left_at: number | string | bigint | null;
  published: string;
}

const num = (v: number | string | bigint): number => Number(v);

/** Groups query rows into calls with their sessions. */
export function groupCalls(calls: readonly CallRow[], sessions: readonly SessionRow[]): { call: CallRecord; sessions: SessionRecord[] }[] {
  const byId = new Map<string, { call: CallRecord; sessions: SessionRecord[] }>();
  for (const c of calls) {
    byId.set(c.id, {
      call: { id: c.id, appId: c.app_id, roomId: c.room_id, startedAt: num(c.started_at), endedAt: c.ended_at === null ? undefined : num(c.ended_at), closedOnRestart: num(c.closed_on_restart) === 1 },
      sessions: [],
    });
  }
  for (const s of sessions) {
    byId.get(s.call_id)?.sessions.push({
      callId: s.call_id,
      userId: s.user_id,
      joinedAt: num(s.joined_at),
      leftAt: s.left_at === null ? undefined : num(s.left_at),
      published: s.published === '' ? [] : (s.published.split(',') as TrackSource[]),
    });
  }
  return [...byId.values()];
}
