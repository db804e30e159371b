// Lost sessions over real sockets: a member whose connection drops is kept for a resume (others
// see nothing), a new connection takes it over with the resume token, a half-open old one is
// closed, a ghost (no signaling, no media) leaves within 5 s, and a member whose media still flows
// is kept for the whole grace window.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadlessPublisher } from '../../bench/lib/headless-client.ts';
import { APP, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';
import type { TestClient } from '../helpers/ws-client.ts';

const GRACE_MS = 8000;

function joinParams(roomId: string, userId: string) {
  return { appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) };
}

/** Every member list `c` received after frame index `from`. */
const listsSince = (c: TestClient, from: number): string[][] =>
  c.frames.slice(from).flatMap((fr) => (fr.event === 'rtcChatMembersChanged' && fr.data ? [fr.data.userIdList] : []));

describe('resume', () => {
  const f = serverWithClients({ resumeGraceMs: GRACE_MS });

  test('a dropped connection is resumed by a new one: nobody sees a leave, events flow to the new one', async () => {
    const a = await f.connect();
    const b = await f.connect();
    await a.request('joinRtcRoom', joinParams('rs1', 'a'));
    const jb = await b.request('joinRtcRoom', joinParams('rs1', 'b'));
    const resumeToken = jb.result?.resumeToken as string;
    assert.ok(typeof resumeToken === 'string' && resumeToken.length >= 16);
    assert.equal(jb.result?.resumeGraceMs, GRACE_MS);
    await a.waitMembers(['a', 'b']);
    const mark = a.frames.length;
    b.ws.terminate(); // no close frame: a network drop
    await new Promise((r) => setTimeout(r, 1000));
    const b2 = await f.connect();
    const r = await b2.request('resumeSession', { resumeToken }, 'resumeSession');
    assert.deepEqual(r.result?.members, ['a', 'b']);
    assert.equal(r.result?.userId, 'b');
    assert.notEqual(r.result?.resumeToken, undefined);
    await new Promise((res) => setTimeout(res, 5000)); // past the ghost timeout: b is alive on b2
    assert.deepEqual(listsSince(a, mark), [], 'a saw no membership change');
    assert.ok(f.server.rooms.memberOf(APP.appId, 'b'));
    // the resumed session is the member's now: it hears a leave, and can exit
    await a.request('exitRtcRoom', { roomId: 'rs1' });
    await b2.waitMembers(['b']);
    assert.deepEqual((await b2.request('exitRtcRoom', { roomId: 'rs1' })).result, {});
  });

  test('an unknown token fails with 21912; the session can still join', async () => {
    const c = await f.connect();
    const r = await c.request('resumeSession', { resumeToken: 'not-a-real-token' }, 'resumeSession');
    assert.deepEqual(r.error, { errNo: 21912, errorType: 'I', errMsg: 'resumeSession:fail resume failed: the session is over' });
    assert.ok((await c.request('joinRtcRoom', joinParams('rs2', 'c'))).result);
  });

  test('a half-open old connection is closed (4010) when a new one resumes; the member stays', async () => {
    const a = await f.connect();
    const b = await f.connect();
    await a.request('joinRtcRoom', joinParams('rs3', 'a3'));
    const resumeToken = (await b.request('joinRtcRoom', joinParams('rs3', 'b3'))).result?.resumeToken as string;
    await a.waitMembers(['a3', 'b3']);
    const mark = a.frames.length;
    const b2 = await f.connect();
    assert.ok((await b2.request('resumeSession', { resumeToken }, 'resumeSession')).result);
    const closed = await b.waitClosed();
    assert.equal(closed.code, 4010);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(listsSince(a, mark), []);
    assert.ok(f.server.rooms.memberOf(APP.appId, 'b3'));
    // the old token is still the member's: the resumed session got the same one back
    b2.ws.terminate();
    const b3 = await f.connect();
    assert.ok((await b3.request('resumeSession', { resumeToken }, 'resumeSession')).result);
    b3.ws.terminate();
  });

  test('a ghost (no signaling, no media) leaves every list within 5 s; its token no longer resumes', async () => {
    const a = await f.connect();
    const b = await f.connect();
    await a.request('joinRtcRoom', joinParams('rs4', 'a4'));
    const resumeToken = (await b.request('joinRtcRoom', joinParams('rs4', 'b4'))).result?.resumeToken as string;
    await a.waitMembers(['a4', 'b4']);
    const t0 = performance.now();
    b.ws.terminate();
    await a.waitMembers(['a4'], 6000);
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `gone after ${Math.round(ms)} ms`);
    const late = await f.connect();
    assert.equal((await late.request('resumeSession', { resumeToken }, 'resumeSession')).error?.errNo, 21912);
  });

  test('a publisher whose signaling drops but whose media flows is kept for the grace window, then leaves', async () => {
    const watcher = await f.connect();
    await watcher.request('joinRtcRoom', joinParams('rs5', 'w'));
    const pub = await HeadlessPublisher.join({ wsUrl: f.server.wsUrl, appId: APP.appId, roomId: 'rs5', userId: 'p', token: mintToken('rs5', 'p') });
    pub.start();
    try {
      await watcher.waitMembers(['w', 'p']);
      await watcher.waitFor((fr) => fr.event === 'rtcVideoMembersChanged' && JSON.stringify(fr.data?.userIdList) === '["p"]', 'p publishing', 10_000);
      const mark = watcher.frames.length;
      const t0 = performance.now();
      pub.signal.ws.terminate(); // signaling gone, media goes on
      await new Promise((r) => setTimeout(r, 6000));
      assert.deepEqual(listsSince(watcher, mark), [], 'kept past the ghost timeout while media flows');
      await watcher.waitMembers(['w'], GRACE_MS);
      const ms = performance.now() - t0;
      assert.ok(ms >= GRACE_MS - 300 && ms < GRACE_MS + 2000, `left after ${Math.round(ms)} ms (grace ${GRACE_MS})`);
    } finally {
      await pub.close();
    }
  });
});

describe('a new join of a member waiting for its resume', () => {
  const f = serverWithClients();

  test('replaces it (a reloaded page); a member with a live session still refuses with 21100', async () => {
    const a = await f.connect();
    const b = await f.connect();
    await a.request('joinRtcRoom', joinParams('rj', 'ra'));
    await b.request('joinRtcRoom', joinParams('rj', 'rb'));
    await a.waitMembers(['ra', 'rb']);
    // a live session: refused
    const dup = await f.connect();
    assert.equal((await dup.request('joinRtcRoom', joinParams('rj', 'rb'))).error?.errNo, 21100);
    // the session is lost; the page comes back at once with a plain join
    b.ws.terminate();
    await new Promise((r) => setTimeout(r, 300));
    const again = await dup.request('joinRtcRoom', joinParams('rj', 'rb'));
    assert.deepEqual(again.result?.members, ['ra', 'rb']);
    await a.waitMembers(['ra', 'rb']);
  });
});
