// The SDK's token lifecycle, visibility and context lifetime in Chromium against the real server.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { lastList, openSdkPage, until, waitList } from '../helpers/sdk-page.ts';

/** Events of one kind the page received. */
function events(page: Page, ev: string): Promise<unknown[]> {
  return page.evaluate((ev) => (window as any).log.filter((e: { ev: string }) => e.ev === ev).map((e: { p: unknown }) => e.p ?? null), ev);
}

/** Runs `script` in the page; its rejection as `{errNo, errorCode, errMsg}`, or 'ok'. */
function outcome(page: Page, script: string): Promise<unknown> {
  return page.evaluate(async (script) => {
    try {
      await (0, eval)(script);
      return 'ok';
    } catch (e) {
      const err = e as { errNo?: number; errorCode?: number; errMsg?: string };
      return { errNo: err.errNo, errorCode: err.errorCode, errMsg: err.errMsg };
    }
  }, script);
}

describe('SDK lifecycle in Chromium', () => {
  let server: TestServer;
  let tb: TestBrowser;
  const opened: Page[] = [];
  const open = async () => {
    const p = await openSdkPage(tb, server.url, APP.appId);
    opened.push(p);
    return p;
  };
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR, tokenWillExpireLeadMs: 1500 });
    tb = await launchBrowser();
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.context().close().catch(() => undefined);
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });

  test('will-expire → updateToken extends; without renewal 21108 interrupts, others see the leave, rejoin works', async () => {
    const a = await open();
    const b = await open();
    await a.evaluate(async ({ token, renew }) => {
      const ctx = (window as any).ctx;
      (window as any).renewals = 0;
      ctx.onRoomTokenWillExpire(() => {
        if ((window as any).renewals++ === 0) void ctx.updateToken({ token: renew });
      });
      await ctx.joinRtcRoom({ roomId: 'life', userId: 'alice', token });
    }, { token: mintToken('life', 'alice', { expire: 3 }), renew: mintToken('life', 'alice', { expire: 5 }) });
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'life', userId: 'bob', token }), mintToken('life', 'bob'));
    await waitList(b, 'onRtcChatMembersChanged', ['alice', 'bob']);
    // a wrong token is refused through the callbacks with the spec's codes
    const bad = await a.evaluate(
      (token) =>
        new Promise((resolve) =>
          (window as any).ctx.updateToken({ token, fail: (e: { errNo: number; errorCode: number; errMsg: string }) => resolve([e.errNo, e.errorCode, e.errMsg]) }),
        ),
      mintToken('life', 'mallory'),
    );
    assert.deepEqual(bad, [21101, 115902, 'updateToken:fail invalid token']);
    const interrupted = await until(async () => (await events(a, 'onRtcChatInterrupted'))[0], 'interruption', 12_000);
    assert.deepEqual(interrupted, { errNo: 21108, errorType: 'D', errMsg: 'onRtcChatInterrupted:fail token expired' });
    assert.ok((await a.evaluate(() => (window as any).renewals)) >= 2, 'will-expire fired for both tokens');
    const states = (await events(a, 'onRtcStateChanged')) as { errNo: number }[];
    assert.ok(states.some((s) => s.errNo === 21108), JSON.stringify(states));
    await waitList(b, 'onRtcChatMembersChanged', ['bob']);
    // after an interruption the context joins again
    assert.equal(await outcome(a, `ctx.joinRtcRoom({ roomId: 'life', userId: 'alice', token: ${JSON.stringify(mintToken('life', 'alice'))} })`), 'ok');
    await waitList(b, 'onRtcChatMembersChanged', ['bob', 'alice']);
  });

  test('an invisible user sees everyone, nobody lists it, its publish fails; visible again it is announced and publishes', async () => {
    const a = await open();
    const ghost = await open();
    await a.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'vis', userId: 'alice', token }), mintToken('vis', 'alice'));
    await ghost.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeUserVisibility({ visible: false }); // before joining
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'vis', userId: 'ghost', token });
    }, mintToken('vis', 'ghost'));
    await waitList(ghost, 'onRtcChatMembersChanged', ['alice', 'ghost']);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await lastList(a, 'onRtcChatMembersChanged'), ['alice']);
    assert.deepEqual(await lastList(a, 'onRtcVideoMembersChanged'), []);
    assert.deepEqual(await outcome(ghost, `ctx.changeStreamPublishState({ state: 1, streamType: 'video' })`), {
      errNo: 21901,
      errorCode: undefined,
      errMsg: 'changeStreamPublishState:fail no publish permission: the user is invisible (changeUserVisibility)',
    });
    assert.equal(await outcome(ghost, `ctx.changeUserVisibility({ visible: true })`), 'ok');
    await waitList(a, 'onRtcChatMembersChanged', ['alice', 'ghost']);
    await waitList(a, 'onRtcVideoMembersChanged', ['ghost']);
    assert.equal(await outcome(ghost, `ctx.changeUserVisibility({ visible: false })`), 'ok');
    await waitList(a, 'onRtcChatMembersChanged', ['alice']);
    await waitList(a, 'onRtcVideoMembersChanged', []);
  });

  test('a camera or microphone that ends during the call is reported (21105 / 21106) and unpublished', async () => {
    const a = await open();
    const b = await open();
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'lost', userId: 'alice', token });
    }, mintToken('lost', 'alice'));
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'lost', userId: 'bob', token }), mintToken('lost', 'bob'));
    await waitList(b, 'onRtcVideoMembersChanged', ['alice']);
    // what the browser does when the device is unplugged or the permission revoked: the track ends
    await a.evaluate(() => {
      const c = (window as any).ctx.capture;
      for (const t of [c.video, c.audio]) {
        t.stop();
        t.dispatchEvent(new Event('ended'));
      }
    });
    const states = (await until(async () => {
      const s = (await events(a, 'onRtcStateChanged')) as { errNo: number; errMsg: string }[];
      return s.some((x) => x.errNo === 21105) && s.some((x) => x.errNo === 21106) ? s : undefined;
    }, 'device-lost states')) as { errNo: number; errMsg: string }[];
    assert.match(states.find((x) => x.errNo === 21105)!.errMsg, /^onRtcStateChanged:fail camera is not available: /);
    assert.match(states.find((x) => x.errNo === 21106)!.errMsg, /^onRtcStateChanged:fail microphone is not available: /);
    await waitList(b, 'onRtcVideoMembersChanged', []);
  });

  test('one page is in one room at a time; a destroyed context fails everything with 115910; params are checked', async () => {
    const p = await open();
    await p.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'one', userId: 'solo', token }), mintToken('one', 'solo'));
    const second = await p.evaluate(async ({ appId, token }) => {
      const other = (window as any).sdk.createRtcRoomContext({ appId });
      try {
        await other.joinRtcRoom({ roomId: 'two', userId: 'solo2', token });
        return 'joined';
      } catch (e) {
        return [(e as { errNo: number }).errNo, (e as { errMsg: string }).errMsg];
      }
    }, { appId: APP.appId, token: mintToken('two', 'solo2') });
    assert.deepEqual(second, [21100, 'joinRtcRoom:fail user solo is already in the room one']);
    assert.deepEqual(await outcome(p, `ctx.updateToken({})`), { errNo: 20000, errorCode: undefined, errMsg: 'updateToken:fail params.token is required (string)' });
    assert.deepEqual(await outcome(p, `ctx.changeUserVisibility({ visible: 'no' })`), {
      errNo: 20000,
      errorCode: undefined,
      errMsg: 'changeUserVisibility:fail params.visible should be boolean, but got string',
    });
    assert.deepEqual(await outcome(p, `ctx.changeStreamPublishState({ state: 2, streamType: 'video' })`), {
      errNo: 20000,
      errorCode: undefined,
      errMsg: 'changeStreamPublishState:fail expect params.state to be one of 0, 1, but got number 2',
    });
    await p.evaluate(() => (window as any).ctx.destroy());
    for (const call of ['updateToken({ token: "x" })', 'changeUserVisibility({ visible: true })', 'changeAudioCapture({ state: 1 })', 'joinRtcRoom({})']) {
      const r = (await outcome(p, `ctx.${call}`)) as { errorCode: number; errMsg: string };
      assert.equal(r.errorCode, 115910, call);
      assert.match(r.errMsg, /:fail engine has been destroyed,please invoke tt\.createRtcRoomContext create new engine$/);
    }
    // the destroyed context left the room, so a new one may join
    const fresh = await p.evaluate(async ({ appId, token }) => {
      const ctx = (window as any).sdk.createRtcRoomContext({ appId });
      await ctx.joinRtcRoom({ roomId: 'two', userId: 'solo2', token });
      return ctx.roomId;
    }, { appId: APP.appId, token: mintToken('two', 'solo2') });
    assert.equal(fresh, 'two');
  });
});
