// Calls that outlive their connection, in Chromium against a real server process: a dropped
// signaling connection is resumed (the other member sees nothing, media keeps flowing), and after
// the server is killed (-9) and started again the pages join again by themselves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { captureAndJoin, lastList, showTile, until, waitList } from '../helpers/sdk-page.ts';
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

  test("a dynacast change while the publisher's signaling is down reaches it after the resume", async () => {
    const a = await openPage(tb, server.url);
    const b = await openPage(tb, server.url);
    await captureAndJoin(a, 'rc-dyn', 'alice', benchToken('rc-dyn', 'alice'), { video: true });
    await captureAndJoin(b, 'rc-dyn', 'bob', benchToken('rc-dyn', 'bob'), {});
    // bob shows alice in a 160×90 tile: her 640 layer is paused after 3 s (dynacast)
    await showTile(b, 'alice', 160, 90);
    const layersOn = () =>
      a.evaluate(() => {
        const sender = ((window as any).pcs as RTCPeerConnection[]).flatMap((pc) => pc.getSenders()).find((s) => s.track?.kind === 'video');
        return (sender?.getParameters().encodings ?? []).map((e) => e.active).join();
      });
    const bobWidth = () => b.evaluate(() => (document.querySelector('rtc-room[user-id="alice"]') as unknown as { videoElement: HTMLVideoElement }).videoElement.videoWidth);
    await until(async () => ((await layersOn()) === 'true,false' ? true : undefined), "alice's 640 layer paused for bob's small tile", 15_000);
    // alice's signaling goes down for 3 s; meanwhile bob's tile grows: the server turns the
    // layer on while it cannot tell her
    const mark = (await logOf(a)).length;
    await a.evaluate(() => (window as any).holdSignal(3000));
    await showTile(b, 'alice', 640, 360);
    await until(async () => ((await logOf(a)).slice(mark).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21952 && e.p.data?.connection === 'signaling') ? true : undefined), 'alice resumed', 15_000);
    await until(async () => ((await layersOn()) === 'true,true' ? true : undefined), "alice's 640 layer on again after the resume", 10_000);
    await until(async () => ((await bobWidth()) === 640 ? true : undefined), 'bob sees the 640 layer', 15_000);
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

describe('a media worker killed (--workers 2) in Chromium', () => {
  let tb: TestBrowser;
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess(['--workers', '2'], [], { pin: false });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    server?.stop();
  });

  test("its room's pages are told (21954), join again by themselves and see video again; the other room's video never stops", async () => {
    const call = async (roomId: string, pub: string, viewer: string) => {
      const a = await openPage(tb, server.url);
      const b = await openPage(tb, server.url);
      await a.evaluate(
        async ({ token, roomId, userId }) => {
          const ctx = (window as any).ctx;
          await ctx.changeVideoCapture({ state: 1 });
          await ctx.joinRtcRoom({ roomId, userId, token });
        },
        { token: benchToken(roomId, pub), roomId, userId: pub },
      );
      await b.evaluate(({ token, roomId, userId }) => (window as any).ctx.joinRtcRoom({ roomId, userId, token }), { token: benchToken(roomId, viewer), roomId, userId: viewer });
      await waitList(b, 'onRtcVideoMembersChanged', [pub]);
      await until(async () => (await framesOf(b, pub)) > 10, `${pub}'s video at ${viewer}`, 15_000);
      return { a, b };
    };
    const one = await call('wk1', 'ann', 'ben');
    const two = await call('wk2', 'cat', 'dan');
    const h = await server.health();
    assert.deepEqual(h.workers?.map((w) => w.rooms), [1, 1], 'one room per worker');
    const frames2 = await framesOf(two.b, 'cat');
    const t0 = performance.now();
    process.kill(h.workers![0]!.pid!, 'SIGKILL');
    for (const p of [one.a, one.b]) {
      await until(async () => (await logOf(p)).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21954), 'media failure told', 5000);
      await until(async () => (await logOf(p)).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21952 && e.p.data?.connection === 'signaling'), 'rejoined', 15_000);
    }
    await waitList(one.b, 'onRtcVideoMembersChanged', ['ann'], 10_000);
    const f1 = await framesOf(one.b, 'ann');
    await until(async () => (await framesOf(one.b, 'ann')) > f1 + 10, "ann's video at ben after the worker restart", 15_000);
    const back = performance.now() - t0;
    // the other room kept decoding all along: about 15 fps over the whole time
    const got = (await framesOf(two.b, 'cat')) - frames2;
    const seconds = (performance.now() - t0) / 1000;
    console.log(`# the lost room saw video again ${Math.round(back)} ms after the kill; the other room decoded ${got} frames in ${seconds.toFixed(1)} s meanwhile`);
    assert.ok(got > seconds * 8, `the other room decoded ${got} frames in ${seconds.toFixed(1)} s`);
    for (const p of [one.a, one.b, two.a, two.b]) assert.equal((await logOf(p)).filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
    const bStates = (await logOf(two.b)).filter((e) => e.ev === 'onRtcStateChanged' && (e.p.errNo === 21953 || e.p.errNo === 21954));
    assert.deepEqual(bStates, [], 'the other room saw no failure');
    for (const p of [one.a, one.b, two.a, two.b]) await p.context().close();
  });
});
