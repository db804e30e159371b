// The SDK in real Chromium against the real server: join, member events, exit, both call styles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, mintToken } from '../helpers/server.ts';
import { serverAndBrowser } from '../helpers/fixture.ts';
import { openSdkPage, until, waitList } from '../helpers/sdk-page.ts';

describe('SDK core in Chromium', () => {
  const f = serverAndBrowser();
  const openPage = () => openSdkPage(f.tb, f.server.url, APP.appId);
  const waitMembers = (page: Parameters<typeof waitList>[0], want: string[]) => waitList(page, 'onRtcChatMembersChanged', want);

  test('join with a promise, member snapshots, exit with callbacks', async () => {
    const a = await openPage();
    const b = await openPage();
    const resA = await a.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_1', userId: 'alice', token }), mintToken('call_1', 'alice'));
    assert.deepEqual(resA, { errMsg: 'joinRtcRoom:ok' });
    await waitMembers(a, ['alice']);
    // the other initial snapshots arrive too, empty (nobody publishes)
    const initial = await a.evaluate(() => (window as any).log.filter((e: { ev: string }) => e.ev.endsWith('MembersChanged') || e.ev === 'onRtcChatSpeakersChanged').map((e: { ev: string; p: { userIdList: string[]; errCode: number; errMsg: string } }) => [e.ev, e.p.userIdList.length, e.p.errCode, e.p.errMsg]));
    assert.deepEqual(initial, [
      ['onRtcChatMembersChanged', 1, 0, 'onRtcChatMembersChanged:ok'],
      ['onRtcVideoMembersChanged', 0, 0, 'onRtcVideoMembersChanged:ok'],
      ['onRtcChatSpeakersChanged', 0, 0, 'onRtcChatSpeakersChanged:ok'],
      ['onRtcPublishScreenMembersChanged', 0, 0, 'onRtcPublishScreenMembersChanged:ok'],
    ]);
    // callback style: success then complete, and no promise returned
    const resB = await b.evaluate(
      (token) =>
        new Promise((resolve) => {
          const calls: unknown[] = [];
          const ret = (window as any).ctx.joinRtcRoom({
            roomId: 'call_1',
            userId: 'bob',
            token,
            success: (r: unknown) => calls.push(['success', r]),
            fail: (e: unknown) => calls.push(['fail', e]),
            complete: (r: unknown) => {
              calls.push(['complete', r]);
              resolve({ calls, returned: ret === undefined ? 'undefined' : typeof ret });
            },
          });
        }),
      mintToken('call_1', 'bob'),
    );
    assert.deepEqual(resB, {
      calls: [
        ['success', { errMsg: 'joinRtcRoom:ok' }],
        ['complete', { errMsg: 'joinRtcRoom:ok' }],
      ],
      returned: 'undefined',
    });
    await waitMembers(a, ['alice', 'bob']);
    await waitMembers(b, ['alice', 'bob']);
    const exit = await b.evaluate(
      () => new Promise((resolve) => (window as any).ctx.exitRtcRoom({ roomId: 'call_1', success: resolve, fail: resolve })),
    );
    assert.deepEqual(exit, { errMsg: 'exitRtcRoom:ok' });
    await waitMembers(a, ['alice']);
    // nothing arrives at b after exit
    const bEvents = await b.evaluate(() => (window as any).log.length);
    await a.evaluate((token) => (window as any).ctx.exitRtcRoom({ roomId: 'call_1' }).then(() => (window as any).ctx.joinRtcRoom({ roomId: 'call_1', userId: 'alice', token })), mintToken('call_1', 'alice'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await b.evaluate(() => (window as any).log.length), bEvents);
    await a.close();
    await b.close();
  });

  test('failures reach fail/complete and reject promises with errNo and errMsg', async () => {
    const p = await openPage();
    const bad = await p.evaluate(() =>
      new Promise((resolve) => {
        const calls: unknown[] = [];
        (window as any).ctx.joinRtcRoom({
          roomId: 'call_2',
          userId: 'carol',
          token: '001notatoken',
          fail: (e: { errNo: number; errMsg: string }) => calls.push(['fail', e.errNo, e.errMsg]),
          complete: (e: { errNo: number }) => {
            calls.push(['complete', e.errNo]);
            resolve(calls);
          },
        });
      }),
    );
    assert.deepEqual(bad, [
      ['fail', 21101, 'joinRtcRoom:fail invalid token'],
      ['complete', 21101],
    ]);
    const param = await p.evaluate(() => (window as any).ctx.joinRtcRoom({ roomId: 'no spaces', userId: 'c', token: 'x' }).catch((e: { errNo: number; errMsg: string }) => [e.errNo, e.errMsg]));
    assert.deepEqual(param, [20000, 'joinRtcRoom:fail params.roomId should match [a-zA-Z0-9_@\\-\\.]{1,128}, but got "no spaces"']);
    await p.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_2', userId: 'carol', token }), mintToken('call_2', 'carol'));
    const twice = await p.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_3', userId: 'carol2', token }).catch((e: { errNo: number; errMsg: string }) => [e.errNo, e.errMsg]), mintToken('call_3', 'carol2'));
    assert.deepEqual(twice, [21100, 'joinRtcRoom:fail user carol is already in the room call_2']);
    // exitRtcRoom leaves the room the context is in, whatever id it is given (real call code does this)
    const otherId = await p.evaluate(() => (window as any).ctx.exitRtcRoom({ roomId: 'call_9' }));
    assert.deepEqual(otherId, { errMsg: 'exitRtcRoom:ok' });
    assert.equal(f.server.rooms.memberOf(APP.appId, 'carol'), undefined);
    // a bad roomId type is still a parameter error
    const badType = await p.evaluate(() => (window as any).ctx.exitRtcRoom({ roomId: 9 }).catch((e: { errNo: number; errMsg: string }) => [e.errNo, e.errMsg]));
    assert.equal((badType as [number, string])[0], 20000);
    // a destroyed context fails everything with 115910
    const destroyed = await p.evaluate(() => {
      const ctx = (window as any).ctx;
      ctx.destroy();
      return ctx.exitRtcRoom({ roomId: 'call_2' }).catch((e: { errorCode: number; errMsg: string }) => [e.errorCode, e.errMsg]);
    });
    assert.deepEqual(destroyed, [115910, 'exitRtcRoom:fail engine has been destroyed,please invoke tt.createRtcRoomContext create new engine']);
    // destroy left the room on the server
    const deadline = Date.now() + 3000;
    while (f.server.rooms.memberOf(APP.appId, 'carol') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.server.rooms.memberOf(APP.appId, 'carol'), undefined);
    await p.close();
  });

  test('the context opens its signaling socket when created: the first join uses it, destroy closes an unused one', async () => {
    // the server's open signaling sessions, from its metrics
    const sessions = async (): Promise<number> => {
      const text = await (await fetch(`${f.server.url}/metrics`)).text();
      return Number(/^rtcroom_signaling_sessions (\d+)$/m.exec(text)?.[1]);
    };
    // the pages of the tests before have closed
    await until(async () => (await sessions()) === 0 || undefined, 'no session open');
    const start = 0;
    const a = await openPage();
    await until(async () => (await sessions()) === start + 1 || undefined, 'the socket of a context just created');
    assert.deepEqual(await a.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_5', userId: 'early', token }), mintToken('call_5', 'early')), { errMsg: 'joinRtcRoom:ok' });
    await waitMembers(a, ['early']);
    assert.equal(await sessions(), start + 1, 'the join went over the socket opened at creation');
    // preconnect: false opens nothing until the join
    const b = await openSdkPage(f.tb, f.server.url, APP.appId, { contextOptions: { preconnect: false } });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await sessions(), start + 1);
    assert.deepEqual(await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_5', userId: 'late', token }), mintToken('call_5', 'late')), { errMsg: 'joinRtcRoom:ok' });
    await waitMembers(a, ['early', 'late']);
    assert.equal(await sessions(), start + 2);
    // a context destroyed before it joined closes its socket
    const c = await openPage();
    await until(async () => (await sessions()) === start + 3 || undefined, 'the third socket');
    await c.evaluate(() => (window as any).ctx.destroy());
    await until(async () => (await sessions()) === start + 2 || undefined, 'the unused socket to close');
    // a bad preconnect is a parameter error
    const bad = await c.evaluate((appId) => {
      try {
        (window as any).sdk.createRtcRoomContext({ appId, preconnect: 'yes' });
        return 'created';
      } catch (e) {
        return [(e as { errNo: number }).errNo, (e as Error).message];
      }
    }, APP.appId);
    assert.deepEqual(bad, [20000, 'createRtcRoomContext:fail params.preconnect should be boolean, but got string']);
    for (const p of [a, b, c]) await p.close();
  });

  test('a closed tab leaves the room; the global bundle defines window.rtcroom', async () => {
    const stay = await openPage();
    await stay.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'call_4', userId: 'stay', token }), mintToken('call_4', 'stay'));
    const g = await f.tb.browser.newPage();
    await g.goto(`${f.server.url}/global.html`);
    const joined = await g.evaluate(async ({ appId, token }) => {
      const ctx = (window as any).rtcroom.createRtcRoomContext(appId); // positional form of older typings
      return ctx.joinRtcRoom({ roomId: 'call_4', userId: 'leaver', token });
    }, { appId: APP.appId, token: mintToken('call_4', 'leaver') });
    assert.deepEqual(joined, { errMsg: 'joinRtcRoom:ok' });
    await waitMembers(stay, ['stay', 'leaver']);
    await g.close();
    await waitMembers(stay, ['stay']);
    await stay.close();
  });
});
