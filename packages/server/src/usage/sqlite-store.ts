/**
 * Usage records in SQLite through Node's built-in `node:sqlite` (no native build, no service): one
 * file under the data directory, WAL journal, versioned schema (`PRAGMA user_version`).
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { TrackSource } from '@rtcroom/protocol';
import { MIGRATIONS, SQL, groupCalls, type CallRow, type SessionRow, type UsageStore } from './store.ts';

/** The SQLite usage store. Its calls run synchronously on the main thread (each a few microseconds). */
export class SqliteUsageStore implements UsageStore {
  readonly #file: string;
  #db: DatabaseSync | undefined;

  /** @param file the database file (its folder is created) */
  constructor(file: string) {
    this.#file = file;
  }

  get #conn(): DatabaseSync {
    if (!this.#db) throw new Error('usage store is not open');
    return this.#db;
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#conn.prepare(sql).run(...params);
  }

  async open(nodeId: string): Promise<{ closedCalls: number }> {
    mkdirSync(dirname(this.#file), { recursive: true });
    const db = new DatabaseSync(this.#file);
    this.#db = db;
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000');
    const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    if (version > MIGRATIONS.length) throw new Error(`${this.#file}: schema version ${version} is newer than this rtcroom knows (${MIGRATIONS.length})`);
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec('BEGIN');
      try {
        for (const stmt of MIGRATIONS[v]!) db.exec(stmt);
        db.exec(`PRAGMA user_version = ${v + 1}`);
        db.exec('COMMIT');
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
    }
    const row = db.prepare(SQL.aliveAt).get(nodeId) as { alive_at: number } | undefined;
    if (!row) return { closedCalls: 0 };
    const at = Number(row.alive_at);
    db.exec('BEGIN');
    this.#run(SQL.closeOpenSessions, at, at, nodeId);
    const r = db.prepare(SQL.closeOpenCalls).run(at, at, nodeId);
    db.exec('COMMIT');
    return { closedCalls: Number(r.changes) };
  }

  async alive(nodeId: string, at: number): Promise<void> {
    this.#run(SQL.alive, nodeId, at);
  }

  async startCall(c: { id: string; nodeId: string; appId: string; roomId: string; startedAt: number }): Promise<void> {
    this.#run(SQL.startCall, c.id, c.nodeId, c.appId, c.roomId, c.startedAt);
  }

  async endCall(id: string, endedAt: number): Promise<void> {
    this.#run(SQL.endCall, endedAt, id);
  }

  async startSession(s: { id: string; callId: string; userId: string; joinedAt: number }): Promise<void> {
    this.#run(SQL.startSession, s.id, s.callId, s.userId, s.joinedAt);
  }

  async endSession(id: string, leftAt: number, published: readonly TrackSource[]): Promise<void> {
    this.#run(SQL.endSession, leftAt, published.join(','), id);
  }

  async calls(appId: string, from: number, to: number) {
    const calls = this.#conn.prepare(SQL.calls).all(appId, to, from) as unknown as CallRow[];
    const sessions = this.#conn.prepare(SQL.sessions).all(appId, to, from) as unknown as SessionRow[];
    return groupCalls(calls, sessions);
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}
