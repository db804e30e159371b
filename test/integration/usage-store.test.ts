// The usage store contract, one suite run against both stores: SQLite (node:sqlite, a file) and a
// real PostgreSQL (a throwaway cluster).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { PostgresUsageStore, SqliteUsageStore, type UsageStore } from '@rtcroom/server';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

const T = Date.parse('2026-11-28T10:00:00Z');
const MIN = 60_000;

function storeSuite(name: string, make: () => UsageStore, setSchemaVersion: (v: number) => Promise<void>): void {
  describe(name, () => {
    const opened: UsageStore[] = [];
    const open = async (node: string) => {
      const s = make();
      opened.push(s);
      return { s, closed: (await s.open(node)).closedCalls };
    };
    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
    });

    test('a fresh database is migrated; opening again is a no-op', async () => {
      const a = await open('n1');
      assert.equal(a.closed, 0);
      const b = await open('n1');
      assert.equal(b.closed, 0);
      assert.deepEqual(await b.s.calls('app-none', 0, Date.now()), []);
    });

    test('calls and sessions round-trip; the window and the app select them', async () => {
      const { s } = await open('n2');
      await s.startCall({ id: 'c1', nodeId: 'n2', appId: 'appA', roomId: 'r1', startedAt: T });
      await s.startSession({ id: 's1', callId: 'c1', userId: 'u1', joinedAt: T });
      await s.startSession({ id: 's2', callId: 'c1', userId: 'u2', joinedAt: T + MIN });
      await s.endSession('s2', T + 3 * MIN, ['audio', 'video']);
      await s.endSession('s1', T + 4 * MIN, []);
      await s.endCall('c1', T + 4 * MIN);
      // a second call of the room, still going, and one of another app
      await s.startCall({ id: 'c2', nodeId: 'n2', appId: 'appA', roomId: 'r1', startedAt: T + 10 * MIN });
      await s.startSession({ id: 's3', callId: 'c2', userId: 'u1', joinedAt: T + 10 * MIN });
      await s.startCall({ id: 'c3', nodeId: 'n2', appId: 'appB', roomId: 'r1', startedAt: T });
      const all = await s.calls('appA', T - MIN, T + 60 * MIN);
      assert.deepEqual(all, [
        {
          call: { id: 'c1', appId: 'appA', roomId: 'r1', startedAt: T, endedAt: T + 4 * MIN, closedOnRestart: false },
          sessions: [
            { callId: 'c1', userId: 'u1', joinedAt: T, leftAt: T + 4 * MIN, published: [] },
            { callId: 'c1', userId: 'u2', joinedAt: T + MIN, leftAt: T + 3 * MIN, published: ['audio', 'video'] },
          ],
        },
        {
          call: { id: 'c2', appId: 'appA', roomId: 'r1', startedAt: T + 10 * MIN, endedAt: undefined, closedOnRestart: false },
          sessions: [{ callId: 'c2', userId: 'u1', joinedAt: T + 10 * MIN, leftAt: undefined, published: [] }],
        },
      ]);
      assert.deepEqual((await s.calls('appA', T + 20 * MIN, T + 30 * MIN)).map((c) => c.call.id), ['c2'], 'an open call overlaps every later window');
      assert.deepEqual(await s.calls('appA', T + 5 * MIN, T + 6 * MIN), [], 'between the calls');
      assert.deepEqual((await s.calls('appA', T + 4 * MIN, T + 5 * MIN)).map((c) => c.call.id), ['c1'], 'a call ending at from still overlaps');
      assert.deepEqual(await s.calls('appA', T - 10 * MIN, T), [], 'a call starting at to does not');
      // ends are written once
      await s.endCall('c1', T + 50 * MIN);
      assert.equal((await s.calls('appA', T - MIN, T + 60 * MIN))[0]!.call.endedAt, T + 4 * MIN);
    });

    test('a restart closes the calls and sessions its node left open, at its last sign of life; other nodes are untouched', async () => {
      const { s } = await open('crash');
      await s.alive('crash', T + 20 * MIN);
      await s.startCall({ id: 'k1', nodeId: 'crash', appId: 'appK', roomId: 'r', startedAt: T + 10 * MIN });
      await s.startSession({ id: 'k1a', callId: 'k1', userId: 'a', joinedAt: T + 10 * MIN });
      await s.startSession({ id: 'k1b', callId: 'k1', userId: 'b', joinedAt: T + 25 * MIN }); // joined after the last mark
      await s.startCall({ id: 'o1', nodeId: 'other', appId: 'appK', roomId: 'q', startedAt: T + 10 * MIN });
      await s.alive('crash', T + 30 * MIN);
      // the process dies here (no end written); it starts again
      const again = await open('crash');
      assert.equal(again.closed, 1);
      const calls = await again.s.calls('appK', T, T + 60 * MIN);
      const k1 = calls.find((c) => c.call.id === 'k1')!;
      assert.deepEqual(k1.call, { id: 'k1', appId: 'appK', roomId: 'r', startedAt: T + 10 * MIN, endedAt: T + 30 * MIN, closedOnRestart: true });
      assert.deepEqual(k1.sessions.map((x) => [x.userId, x.leftAt]), [['a', T + 30 * MIN], ['b', T + 30 * MIN]]);
      assert.equal(calls.find((c) => c.call.id === 'o1')!.call.endedAt, undefined, "another node's call stays open");
      assert.equal((await open('crash')).closed, 0, 'nothing left to close');
    });

    test('a schema newer than this rtcroom is refused', async () => {
      await setSchemaVersion(99);
      const s = make();
      opened.push(s);
      await assert.rejects(s.open('n9'), /newer/);
      await setSchemaVersion(1);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-usage-'));
const file = join(dir, 'usage.sqlite');
storeSuite('SQLite store (node:sqlite)', () => new SqliteUsageStore(file), async (v) => {
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA user_version = ${v}`);
  db.close();
});

let cluster: TestPostgres | undefined;
before(async () => {
  cluster = await startPostgres();
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});
storeSuite('PostgreSQL store (pg)', () => new PostgresUsageStore(cluster!.url), async (v) => {
  const c = new pg.Client(cluster!.url);
  await c.connect();
  await c.query('UPDATE rtcroom_schema SET version = $1', [v]);
  await c.end();
});
