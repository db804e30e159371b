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

/** A usage database. Every method may be called while another is pending; writes keep their order. */
export interface UsageStore {
  /** Creates or upgrades the schema; closes calls and sessions left open by a stopped server (`at`: the end given to them). Returns how many calls it closed. */
  open(at: number): Promise<number>;
  /** A call started. */
  startCall(call: { id: string; appId: string; roomId: string; startedAt: number }): Promise<void>;
  /** A call ended. */
  endCall(id: string, endedAt: number): Promise<void>;
  /** A member joined a call. `id` names the session. */
  startSession(s: { id: string; callId: string; userId: string; joinedAt: number }): Promise<void>;
  /** A member left. */
  endSession(id: string, leftAt: number, published: readonly TrackSource[]): Promise<void>;
  /** Calls of an app overlapping [from, to), oldest first, with their sessions. */
  calls(appId: string, from: number, to: number): Promise<{ call: CallRecord; sessions: SessionRecord[] }[]>;
  /** Frees the connection. */
  close(): Promise<void>;
}
