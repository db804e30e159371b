/**
 * Usage records in PostgreSQL through `pg`, for several nodes sharing one database: each node
 * closes only the calls it left open. Versioned schema in `rtcroom_schema`; migrations run in a
 * transaction under an advisory lock, so nodes starting together do not race.
 * @module
 */
import pg from 'pg';
import type { TrackSource } from '@rtcroom/protocol';
import { MIGRATIONS, SQL, groupCalls, type CallRow, type SessionRow, type UsageStore } from './store.ts';

/** `?` placeholders → `$1, $2 …`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** An arbitrary constant naming rtcroom's migration lock. */
const MIGRATION_LOCK = 7_880_001;

/** The PostgreSQL usage store. */
export class PostgresUsageStore implements UsageStore {
  readonly #pool: pg.Pool;

  /** @param url a `postgres://` connection string */
  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
    // an idle connection dropped by the server must not crash the process
    this.#pool.on('error', () => undefined);
  }

  async #q<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#pool.query<R>(numbered(sql), params);
  }

  async open(nodeId: string): Promise<{ closedCalls: number }> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS rtcroom_schema (version INTEGER NOT NULL)');
      const r = await c.query<{ version: number }>('SELECT version FROM rtcroom_schema');
      const version = r.rows[0]?.version ?? 0;
      if (version > MIGRATIONS.length) throw new Error(`database schema version ${version} is newer than this rtcroom knows (${MIGRATIONS.length})`);
      for (let v = version; v < MIGRATIONS.length; v++) for (const stmt of MIGRATIONS[v]!) await c.query(stmt);
      if (r.rows.length === 0) await c.query('INSERT INTO rtcroom_schema (version) VALUES ($1)', [MIGRATIONS.length]);
      else await c.query('UPDATE rtcroom_schema SET version = $1', [MIGRATIONS.length]);
      const alive = await c.query<{ alive_at: string }>(numbered(SQL.aliveAt), [nodeId]);
      let closedCalls = 0;
      if (alive.rows[0]) {
        const at = Number(alive.rows[0].alive_at);
        await c.query(numbered(SQL.closeOpenSessions), [at, at, nodeId]);
        closedCalls = (await c.query(numbered(SQL.closeOpenCalls), [at, at, nodeId])).rowCount ?? 0;
      }
      await c.query('COMMIT');
      return { closedCalls };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async alive(nodeId: string, at: number): Promise<void> {
    await this.#q(SQL.alive, [nodeId, at]);
  }

  async startCall(c: { id: string; nodeId: string; appId: string; roomId: string; startedAt: number }): Promise<void> {
    await this.#q(SQL.startCall, [c.id, c.nodeId, c.appId, c.roomId, c.startedAt]);
  }

  async endCall(id: string, endedAt: number): Promise<void> {
    await this.#q(SQL.endCall, [endedAt, id]);
  }

  async startSession(s: { id: string; callId: string; userId: string; joinedAt: number }): Promise<void> {
    await this.#q(SQL.startSession, [s.id, s.callId, s.userId, s.joinedAt]);
  }

  async endSession(id: string, leftAt: number, published: readonly TrackSource[]): Promise<void> {
    await this.#q(SQL.endSession, [leftAt, published.join(','), id]);
  }

  async calls(appId: string, from: number, to: number) {
    const [calls, sessions] = await Promise.all([this.#q<CallRow & pg.QueryResultRow>(SQL.calls, [appId, to, from]), this.#q<SessionRow & pg.QueryResultRow>(SQL.sessions, [appId, to, from])]);
    return groupCalls(calls.rows, sessions.rows);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
