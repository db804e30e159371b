// Calls that outlive their connection, in Chromium against a real server process: a dropped
// signaling connection is resumed (the other member sees nothing, media keeps flowing), and after
// the server is killed (-9) and started again the pages join again by themselves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { lastList, until, waitList } from '../helpers/sdk-page.ts';
import { framesOf, freePort, logOf, openPage } from '../helpers/origin-page.ts';

describe('reconnect in Chromium', () => {
  let tb: TestBrowser;
  let server: ServerProcess;
  let port: number;
  before(async () => {
    port = await freePort();
    server = await startServerProcess(['--port', String(port)], [], { pin: false });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    server?.stop();
  });

  test('a dropped signaling connection is resumed: reconnecting → connected, nobody sees a leave, media flows on', async () => {
    const a = await openPage(tb, server.url);
    const b = await openPage(tb, server.url);
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'rc1', userId: 'alice', token });
    }, benchToken('rc1', 'alice'));
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'rc1', userId: 'bob', token }), benchToken('rc1', 'bob'));
    await waitList(b, 'onRtcVideoMembersChanged', ['alice']);
    await until(async () => (await framesOf(b, 'alice')) > 10, "alice's video at bob", 15_000);
    const markB = (await logOf(b)).length;
    await a.evaluate(() => (window as any).dropSignal());
    await until(async () => (await logOf(a)).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21952 && e.p.data?.connection === 'signaling'), 'alice reconnected', 10_000);
    const aStates = (await logOf(a)).filter((e) => e.ev === 'onRtcStateChanged' && e.p.data?.connection === 'signaling').map((e) => e.p.errNo);
    assert.deepEqual(aStates, [21953, 21952]);
    assert.equal((await logOf(a)).filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
    // media never stopped: bob's frames keep coming
    const f0 = await framesOf(b, 'alice');
    await until(async () => (await framesOf(b, 'alice')) > f0 + 10, 'frames after the resume', 5000);
    // the resumed connection carries requests: alice stops her camera, bob sees it
    await a.evaluate(() => (window as any).ctx.changeStreamPublishState({ state: 0, streamType: 'video' }));
    await waitList(b, 'onRtcVideoMembersChanged', []);
    const bMembers = (await logOf(b)).slice(markB).filter((e) => e.ev === 'onRtcChatMembersChanged');
    assert.deepEqual(bMembers, [], 'bob saw no membership change');
    await a.evaluate(() => (window as any).ctx.exitRtcRoom({}));
    await waitList(b, 'onRtcChatMembersChanged', ['bob']);
    await a.context().close();
    await b.context().close();
  });

  test('server killed (-9) and started again: the pages join again by themselves within 5 s and see each other', async () => {
    const a = await openPage(tb, server.url);
    const b = await openPage(tb, server.url);
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'rc2', userId: 'ann', token });
    }, benchToken('rc2', 'ann'));
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'rc2', userId: 'ben', token }), benchToken('rc2', 'ben'));
    await waitList(b, 'onRtcChatMembersChanged', ['ann', 'ben']);
    server.signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    server = await startServerProcess(['--port', String(port)], [], { pin: false });
    const back = performance.now();
    for (const p of [a, b]) {
      await until(async () => (await logOf(p)).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21952 && e.p.data?.connection === 'signaling'), 'reconnected', 15_000);
    }
    // both are back in the room (in the new server's join order)
    for (const p of [a, b]) await until(async () => JSON.stringify([...((await lastList(p, 'onRtcChatMembersChanged')) ?? [])].sort()) === '["ann","ben"]', 'both listed', 10_000);
    const ms = performance.now() - back;
    assert.ok(ms < 5000 + 1500, `rejoined ${Math.round(ms)} ms after the server was back`);
    // ann publishes again on her new connection
    await waitList(b, 'onRtcVideoMembersChanged', ['ann'], 10_000);
    await until(async () => (await framesOf(b, 'ann')) > 5, "ann's video at ben after the restart", 15_000);
    for (const p of [a, b]) assert.equal((await logOf(p)).filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
    await a.context().close();
    await b.context().close();
  });
});
