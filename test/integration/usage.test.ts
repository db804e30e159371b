// Usage records end to end: calls through the real server, minutes read back from the admin API
// (SQLite in a data directory), and a server killed mid-call whose open call is closed when it
// starts again.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { TestClient } from '../helpers/ws-client.ts';

const KEY = 'admin-key-for-tests-0123456789';
const BIN = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function usage(base: string, query = ''): Promise<{ status: number; body: any }> {
  const r = await fetch(`${base}/api/v1/apps/${APP.appId}/usage${query}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: r.status, body: await r.json() };
}

/** A member: joins now, `leave()` exits; presence as the client saw it (join request sent → exit reply). */
async function member(wsUrl: string, roomId: string, userId: string, cleanup: (() => Promise<void>)[]) {
  const c = await TestClient.connect(wsUrl);
  cleanup.push(async () => c.ws.terminate());
  const joinedAt = Date.now();
  const r = await c.request('joinRtcRoom', { appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) });
  assert.ok(r.result, JSON.stringify(r));
  return {
    client: c,
    leave: async (): Promise<number> => {
      await c.request('exitRtcRoom', { roomId });
      return (Date.now() - joinedAt) / 1000;
    },
  };
}

describe('usage records', () => {
  const cleanup: (() => Promise<void>)[] = [];
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'rtcroom-usage-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('two calls: the minutes per room match member presence within 2 s per member', async () => {
    const dataDir = tmp();
    const server = await startTestServer({ adminKey: KEY, usage: { dataDir, database: undefined, aliveEveryMs: 1000 } });
    cleanup.push(() => server.close());
    const from = new Date(Date.now() - 1000).toISOString();
    // call 1 in room "standup": alice ~2.5 s, bob ~1 s inside it
    const alice = await member(server.wsUrl, 'standup', 'alice', cleanup);
    await sleep(700);
    const bob = await member(server.wsUrl, 'standup', 'bob', cleanup);
    await sleep(1000);
    const bobSeconds = await bob.leave();
    await sleep(700);
    const aliceSeconds = await alice.leave();
    // call 2, the same room again: carol ~1.5 s
    const carol = await member(server.wsUrl, 'standup', 'carol', cleanup);
    await sleep(1500);
    const carolSeconds = await carol.leave();
    // and a call still going in another room
    await member(server.wsUrl, 'review', 'dave', cleanup);
    await sleep(800);
    await server.flushUsage();
    const r = await usage(server.url, `?from=${from}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const standup = r.body.rooms.find((x: { roomId: string }) => x.roomId === 'standup');
    assert.equal(standup.calls, 2);
    const presence = aliceSeconds + bobSeconds + carolSeconds;
    assert.ok(Math.abs(standup.participantSeconds - presence) <= 2 * 3, `recorded ${standup.participantSeconds} s, presence ${presence.toFixed(2)} s`);
    assert.ok(standup.participantSeconds > 4, 'not zero');
    assert.equal(standup.participantMinutes, Math.round((standup.participantSeconds / 60) * 100) / 100);
    const review = r.body.rooms.find((x: { roomId: string }) => x.roomId === 'review');
    assert.equal(review.calls, 1);
    assert.ok(review.participantSeconds > 0.5 && review.participantSeconds < 5, `an open call counts up to now: ${review.participantSeconds}`);
    assert.equal(r.body.totals.calls, 3);
    assert.equal(r.body.days.length >= 1, true);
    const daySum = r.body.days.reduce((n: number, d: { participantSeconds: number }) => n + d.participantSeconds, 0);
    assert.ok(Math.abs(daySum - r.body.totals.participantSeconds) < 0.01);
    // a window before the calls is empty; malformed windows are refused
    assert.deepEqual((await usage(server.url, '?from=2020-01-01&to=2020-01-02')).body.rooms, []);
    for (const q of ['?from=nope', '?from=2026-11-02&to=2026-11-01', '?to=2020-01-01&from=2010-01-01', '?room=standup']) {
      const bad = await usage(server.url, q);
      assert.equal(bad.status, 400, q);
      assert.equal(bad.body.error.code, 'bad_request');
    }
  });

  test('a server killed mid-call: the call is closed when it starts again, its minutes stop growing', async () => {
    const cwd = tmp();
    const apps = join(cwd, 'apps.json');
    writeFileSync(apps, JSON.stringify([APP]));
    const start = async () => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'warn', '--apps', apps, '--admin-key', KEY, '--data-dir', join(cwd, 'data')], { cwd });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      cleanup.push(async () => {
        child.kill('SIGKILL');
        await exited;
      });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 15_000);
        child.stdout.on('data', () => {
          const m = /running at (http:\/\/[^\s]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      return { url, wsUrl: `${url.replace('http', 'ws')}/rtc`, kill: async () => (child.kill('SIGKILL'), await exited) };
    };
    const first = await start();
    const joinedAt = Date.now();
    await member(first.wsUrl, 'crash', 'erin', cleanup);
    await sleep(1500);
    const open = await usage(first.url);
    assert.ok(open.body.rooms[0].participantSeconds >= 1, JSON.stringify(open.body));
    await first.kill();
    const killedAt = Date.now();
    // while the server is down the record stays open
    const file = join(cwd, 'data', 'usage.sqlite');
    const peek = () => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return db.prepare('SELECT ended_at, closed_on_restart FROM calls').all() as { ended_at: number | null; closed_on_restart: number }[];
      } finally {
        db.close();
      }
    };
    assert.deepEqual(peek().map((c) => c.ended_at), [null]);
    await sleep(300);
    const second = await start();
    const rows = peek();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.closed_on_restart, 1);
    assert.ok(rows[0]!.ended_at! >= joinedAt && rows[0]!.ended_at! <= killedAt, 'closed at the last sign of life before the kill');
    const a = await usage(second.url);
    await sleep(1000);
    const b = await usage(second.url);
    assert.equal(a.body.rooms[0].calls, 1);
    assert.equal(a.body.rooms[0].participantSeconds, b.body.rooms[0].participantSeconds, 'the closed call no longer grows');
    assert.ok(a.body.rooms[0].participantSeconds <= (killedAt - joinedAt) / 1000 + 0.5, `${a.body.rooms[0].participantSeconds} s ≤ time before the kill`);
    await second.kill();
  });
});
