// What public Douyin and Volcengine call pages rely on (../shared/spec/douyin-rtc-api.md §5a), item
// by item, in real Chromium against the real server. Item 10 (21105/21106/21108 in call) is in
// lifecycle.test.ts ("device loss", "token expiry"); the speakers semantics in speakers.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken } from '../helpers/server.ts';
import { serverAndBrowser } from '../helpers/fixture.ts';
import { lastList, openSdkPage, until, waitList } from '../helpers/sdk-page.ts';

type Log = { ev: string; p: { errNo?: number; errMsg?: string; userIdList?: string[] } }[];
const logOf = (page: Page): Promise<Log> => page.evaluate(() => (window as unknown as { log: Log }).log);

describe('real call code in Chromium (spec §5a)', () => {
  const f = serverAndBrowser();
  const open = (o: { contextOptions?: Record<string, unknown> } = {}) => openSdkPage(f.tb, f.server.url, APP.appId, o);

  test('1, 3: methods work detached (promisify); exit leaves the room whatever roomId, then joins again', async () => {
    const a = await open();
    const b = await open();
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_77', userId: 'bob', token }), mintToken('call_77', 'bob'));
    const r = await a.evaluate(
      async ({ t1, t2 }) => {
        const ctx = (window as any).ctx;
        // the public quickstart's wrapper: callbacks in, promise out, `this` lost
        const promisify =
          (fn: (o: Record<string, unknown>) => void) =>
          (o: Record<string, unknown> = {}) =>
            new Promise((resolve, reject) => fn({ ...o, success: resolve, fail: reject }));
        const out: unknown[] = [];
        const capture = ctx.changeVideoCapture;
        out.push(await capture({ state: 1 })); // detached, promise form
        out.push(await promisify(ctx.changeAudioCapture)({ state: 1 }));
        const on = ctx.onRtcChatMembersChanged;
        const seen: string[][] = [];
        on((e: { userIdList: string[] }) => seen.push(e.userIdList));
        out.push(await promisify(ctx.joinRtcRoom)({ roomId: 'call_77', userId: 'alice', token: t1 }));
        // a public demo joins `call_<id>` and exits with `<id>`, awaited, no catch
        out.push(await promisify(ctx.exitRtcRoom)({ roomId: '77' }));
        // exiting again is harmless
        out.push(await ctx.exitRtcRoom({ roomId: '77' }));
        out.push(await promisify(ctx.joinRtcRoom)({ roomId: 'call_77', userId: 'alice', token: t2 }));
        await new Promise((res) => setTimeout(res, 300));
        return { out, seen };
      },
      { t1: mintToken('call_77', 'alice'), t2: mintToken('call_77', 'alice') },
    );
    assert.deepEqual(r.out, [
      { errMsg: 'changeVideoCapture:ok' },
      { errMsg: 'changeAudioCapture:ok' },
      { errMsg: 'joinRtcRoom:ok' },
      { errMsg: 'exitRtcRoom:ok' },
      { errMsg: 'exitRtcRoom:ok' },
      { errMsg: 'joinRtcRoom:ok' },
    ]);
    assert.deepEqual(r.seen.at(-1), ['bob', 'alice']);
    // bob saw alice leave and come back
    const bobLists = (await logOf(b)).filter((e) => e.ev === 'onRtcChatMembersChanged').map((e) => e.p.userIdList);
    assert.deepEqual(bobLists.at(-1), ['bob', 'alice']);
    assert.ok(bobLists.some((l) => JSON.stringify(l) === '["bob"]'), JSON.stringify(bobLists));
    await waitList(b, 'onRtcVideoMembersChanged', ['alice']);
    await a.context().close();
    await b.context().close();
  });

  test('2: listeners are unbound page methods; off*(this.onX) removes exactly that one', async () => {
    const a = await open();
    const r = await a.evaluate(async (token) => {
      const { ctx, sdk } = window as any;
      const page = sdk.Page({
        data: { members: [] as string[], other: 0 },
        onLoad() {
          ctx.onRtcChatMembersChanged(this.onMembers);
          ctx.onRtcChatMembersChanged(this.onOther);
        },
        onMembers(e: { userIdList: string[] }) {
          this.setData({ members: e.userIdList });
        },
        onOther() {
          this.setData({ other: this.data.other + 1 });
        },
      });
      await new Promise((res) => setTimeout(res, 0));
      await ctx.joinRtcRoom({ roomId: 'r2', userId: 'pam', token });
      await new Promise((res) => setTimeout(res, 200));
      ctx.offRtcChatMembersChanged(page.onOther);
      const otherBefore = page.data.other;
      await ctx.exitRtcRoom({ roomId: 'r2' });
      await ctx.joinRtcRoom({ roomId: 'r2', userId: 'pam', token });
      await new Promise((res) => setTimeout(res, 200));
      return { members: page.data.members, otherBefore, otherAfter: page.data.other };
    }, mintToken('r2', 'pam'));
    assert.deepEqual(r.members, ['pam']);
    assert.equal(r.otherBefore, 1);
    assert.equal(r.otherAfter, 1);
    await a.context().close();
  });

  test('4: pre-join and idempotent calls succeed; the pre-join publish intent applies at join', async () => {
    const a = await open();
    const b = await open();
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'r4', userId: 'bob', token }), mintToken('r4', 'bob'));
    const out = await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      const res: unknown[] = [];
      res.push(await ctx.changeVideoCapture({ state: 0 })); // stopping a camera that never ran
      res.push(await ctx.changeAudioCapture({ state: 0 }));
      res.push(await ctx.switchCamera({ camera: 'front' })); // camera off
      res.push(await ctx.switchCamera({ camera: 'back' }));
      res.push(await ctx.switchCamera({ camera: 'front' }));
      res.push(await ctx.setAudioPlaybackDevice({ device: 'earpiece' }));
      res.push(await ctx.setAudioPlaybackDevice({ device: 'speakerphone' }));
      res.push(await ctx.changeStreamPublishState({ state: 0, streamType: 'video' })); // before joining
      res.push(await ctx.exitRtcRoom({ roomId: 'r4' })); // not in a room
      res.push(await ctx.changeVideoCapture({ state: 1 }));
      res.push(await ctx.changeVideoCapture({ state: 1 })); // already on
      res.push(await ctx.changeAudioCapture({ state: 1 }));
      res.push(await ctx.joinRtcRoom({ roomId: 'r4', userId: 'alice', token }));
      return res.map((x) => (x as { errMsg: string }).errMsg);
    }, mintToken('r4', 'alice'));
    assert.deepEqual(out, [
      'changeVideoCapture:ok',
      'changeAudioCapture:ok',
      'switchCamera:ok',
      'switchCamera:ok',
      'switchCamera:ok',
      'setAudioPlaybackDevice:ok',
      'setAudioPlaybackDevice:ok',
      'changeStreamPublishState:ok',
      'exitRtcRoom:ok',
      'changeVideoCapture:ok',
      'changeVideoCapture:ok',
      'changeAudioCapture:ok',
      'joinRtcRoom:ok',
    ]);
    // the intent held: audio went out, video did not
    await waitList(b, 'onRtcChatSpeakersChanged', ['alice']);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await lastList(b, 'onRtcVideoMembersChanged'), []);
    await a.evaluate(() => (window as any).ctx.changeStreamPublishState({ state: 1, streamType: 'video' }));
    await waitList(b, 'onRtcVideoMembersChanged', ['alice']);
    await a.context().close();
    await b.context().close();
  });

  test('5: listeners registered right after joinRtcRoom (same tick) get the first snapshots', async () => {
    const a = await open();
    const got = await a.evaluate(async (token) => {
      const { sdk } = window as any;
      const ctx = sdk.createRtcRoomContext('0123456789abcdef01234567'); // 8: the positional form
      const seen: Record<string, unknown> = {};
      const done = ctx.joinRtcRoom({ roomId: 'r5', userId: 'sam', token });
      for (const ev of ['onRtcChatMembersChanged', 'onRtcVideoMembersChanged', 'onRtcChatSpeakersChanged', 'onRtcPublishScreenMembersChanged']) {
        ctx[ev]((e: { userIdList: string[] }) => (seen[ev] ??= e.userIdList));
      }
      await done;
      await new Promise((res) => setTimeout(res, 100));
      await ctx.exitRtcRoom({ roomId: 'r5' });
      return seen;
    }, mintToken('r5', 'sam'));
    assert.deepEqual(got, { onRtcChatMembersChanged: ['sam'], onRtcVideoMembersChanged: [], onRtcChatSpeakersChanged: [], onRtcPublishScreenMembersChanged: [] });
    await a.context().close();
  });

  test('6: <rtc-room mode="camera"> with no user-id previews before joining; device-position is the first camera', async () => {
    const a = await open();
    const r = await a.evaluate(async () => {
      const ctx = (window as any).ctx;
      const el = document.createElement('rtc-room') as HTMLElement & { videoElement: HTMLVideoElement };
      el.setAttribute('mode', 'camera');
      el.setAttribute('device-position', 'back');
      document.body.append(el);
      const facing = ctx.capture.facing;
      const settingsBefore = ctx.capture.video;
      await ctx.changeVideoCapture({ state: 1 });
      const deadline = performance.now() + 5000;
      while (el.videoElement.videoWidth === 0 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      return { facing, before: settingsBefore === undefined, width: el.videoElement.videoWidth, mirrored: el.videoElement.classList.contains('mirror') };
    });
    assert.deepEqual(r, { facing: 'back', before: true, width: r.width, mirrored: false });
    assert.ok(r.width > 0, 'the preview shows frames before any join');
    await a.context().close();
  });

  test('7: fail gets a plain object that survives JSON, structuredClone and postMessage; promises reject with RtcError; raw exceptions are coded', async () => {
    const a = await open();
    const r = await a.evaluate(async (goodToken) => {
      const { ctx, sdk } = window as any;
      const failed: Record<string, unknown> = await new Promise((resolve) => ctx.joinRtcRoom({ roomId: 'r7', userId: 'x', token: '001bad', fail: resolve }));
      const completed = await new Promise((resolve) => ctx.joinRtcRoom({ roomId: 'r7', userId: 'x', token: '001bad', complete: resolve }));
      const posted = await new Promise((resolve) => {
        const ch = new MessageChannel();
        ch.port2.onmessage = (e) => resolve(e.data);
        ch.port1.postMessage(failed);
      });
      const rejected = await ctx.joinRtcRoom({ roomId: 'r7', userId: 'x', token: '001bad' }).catch((e: unknown) => e);
      // a raw TypeError inside the SDK (a bogus track) comes out coded, with its text
      await ctx.joinRtcRoom({ roomId: 'r7', userId: 'x', token: goodToken });
      const bogus = { kind: 'video', readyState: 'live', contentHint: '', addEventListener() {}, stop() {} };
      const raw = await new Promise((resolve) => ctx.publishScreen({ state: 1, track: bogus, fail: resolve }));
      return {
        failed,
        plain: Object.getPrototypeOf(failed) === Object.prototype,
        keys: Object.keys(failed).sort(),
        json: JSON.parse(JSON.stringify(failed)),
        cloned: structuredClone(failed),
        posted,
        completed,
        rejectedIsError: rejected instanceof sdk.RtcError,
        rejectedErrNo: (rejected as { errNo: number }).errNo,
        raw,
      };
    }, mintToken('r7', 'x'));
    const want = { errMsg: 'joinRtcRoom:fail invalid token', errNo: 21101, errorType: 'D' };
    assert.deepEqual(r.failed, want);
    assert.equal(r.plain, true);
    assert.deepEqual(r.keys, ['errMsg', 'errNo', 'errorType']);
    assert.deepEqual(r.json, want);
    assert.deepEqual(r.cloned, want);
    assert.deepEqual(r.posted, want);
    assert.deepEqual(r.completed, want);
    assert.equal(r.rejectedIsError, true);
    assert.equal(r.rejectedErrNo, 21101);
    const raw = r.raw as { errNo: number; errMsg: string };
    assert.equal(raw.errNo, 21905);
    assert.match(raw.errMsg, /^publishScreen:fail internal error: TypeError: /);
    await a.context().close();
  });

  test('9: ids outside the Volcengine rule fail with 20000 before any request', async () => {
    const a = await open();
    const e = await a.evaluate(() => (window as any).ctx.joinRtcRoom({ roomId: 'bad id!', userId: 'u', token: 't' }).catch((x: { errNo: number; errMsg: string }) => [x.errNo, x.errMsg]));
    assert.equal((e as [number, string])[0], 20000);
    assert.match((e as [number, string])[1], /^joinRtcRoom:fail .*roomId/);
    await a.context().close();
  });

  test('onRoomTokenWillExpire fires for a token already inside its last 30 s at join', async () => {
    const a = await open();
    const warnedMs = await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      let warned = -1;
      const t0 = performance.now();
      ctx.onRoomTokenWillExpire(() => (warned = performance.now() - t0));
      await ctx.joinRtcRoom({ roomId: 'r-exp', userId: 'ted', token });
      const deadline = performance.now() + 3000;
      while (warned < 0 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      return warned;
    }, mintToken('r-exp', 'ted', { expire: 20 }));
    assert.ok(warnedMs >= 0 && warnedMs < 3000, `warned after ${warnedMs} ms`);
    await a.context().close();
  });

  test('errMsg invariants: informational states never say :fail, no internal request names, capture errors name their own API', async () => {
    const a = await open();
    const b = await open();
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'r-inv', userId: 'bob', token }), mintToken('r-inv', 'bob'));
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      const aliased: unknown[] = [];
      ctx.onRtcStateChange((e: unknown) => aliased.push(e)); // 8: the typings' spelling
      (window as any).aliased = aliased;
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'r-inv', userId: 'alice', token });
    }, mintToken('r-inv', 'alice'));
    // alice's publisher connection and bob's subscriber connection come up
    const connected = async (page: Page) => (await logOf(page)).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21952) || undefined;
    await until(() => connected(a), 'alice publishing');
    await until(() => connected(b), 'bob receiving');
    for (const page of [a, b]) {
      for (const e of await logOf(page)) {
        const msg = e.p.errMsg ?? '';
        assert.doesNotMatch(msg, /publisherOffer|subscriberAnswer|setPublish|setSubscribe|setVisibility/, msg);
        if (e.ev === 'onRtcStateChanged' && e.p.errNo! >= 21951 && e.p.errNo! <= 21953) assert.match(msg, /^onRtcStateChanged:ok (publisher|subscriber) connection /, msg);
      }
    }
    const aliased = await a.evaluate(() => (window as any).aliased.length);
    assert.ok(aliased >= 2, `onRtcStateChange got ${aliased} events`);
    // microphone failure names changeAudioCapture, not changeVideoCapture
    const mic = await a.evaluate(async () => {
      const ctx = (window as any).ctx;
      await ctx.changeAudioCapture({ state: 0 });
      Object.defineProperty(navigator, 'mediaDevices', { value: undefined, configurable: true });
      return ctx.changeAudioCapture({ state: 1 }).catch((e: { errNo: number; errMsg: string }) => [e.errNo, e.errMsg]);
    });
    assert.deepEqual(mic, [21909, 'changeAudioCapture:fail capture failed: no mediaDevices (the page must be https or localhost)']);
    await a.context().close();
    await b.context().close();
  });
});
