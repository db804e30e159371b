// Kick and mute through the admin API, seen by the SDK in real Chromium pages (media on a worker
// process, room state in the main process, as with --workers 2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR } from '../helpers/fixture.ts';
import { captureAndJoin, openSdkPage, until, waitList } from '../helpers/sdk-page.ts';

const KEY = 'admin-key-for-tests-0123456789';

function events(page: Page, ev: string): Promise<any[]> {
  return page.evaluate((ev) => (window as any).log.filter((e: { ev: string }) => e.ev === ev).map((e: { p: unknown }) => e.p), ev);
}

describe('admin kick and mute in Chromium', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let tb: TestBrowser;
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR, adminKey: KEY, workers: 2 });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });

  const api = async (method: string, path: string, body?: object) => {
    const r = await fetch(`${server.url}/api/v1/apps/${APP.appId}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const published = async (userId: string) => (await api('GET', '/rooms/mod/members')).body.members?.find((m: { userId: string }) => m.userId === userId)?.published;

  test('mute stops a stream (the member is told, the others see the unpublish, it can publish again); kick interrupts with 21913 and no rejoin', async () => {
    const alice = await openSdkPage(tb, server.url, APP.appId);
    const bob = await openSdkPage(tb, server.url, APP.appId);
    await captureAndJoin(alice, 'mod', 'alice', mintToken('mod', 'alice'));
    await bob.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'mod', userId: 'bob', token }), mintToken('mod', 'bob'));
    await waitList(bob, 'onRtcVideoMembersChanged', ['alice'], 15_000);
    await waitList(bob, 'onRtcChatSpeakersChanged', ['alice'], 15_000);
    await until(async () => JSON.stringify(await published('alice')) === '["audio","video"]', 'alice publishes audio and video');

    const muted = await api('POST', '/rooms/mod/members/alice/mute', { streamType: 'video' });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    assert.deepEqual(muted.body.stopped, ['video']);
    await waitList(bob, 'onRtcVideoMembersChanged', []);
    const told = await until(async () => (await events(alice, 'onRtcStateChanged')).find((e) => e.errNo === 21958), 'alice told of the mute');
    assert.deepEqual(told, { errNo: 21958, errMsg: 'onRtcStateChanged:ok video stopped by the server', data: { reason: 'mutedByServer', streamType: 'video', sources: ['video'] } });
    assert.deepEqual(await published('alice'), ['audio']);
    assert.deepEqual(await bob.evaluate(() => (window as any).log.filter((e: { ev: string }) => e.ev === 'onRtcChatSpeakersChanged').at(-1).p.userIdList), ['alice'], 'audio goes on');
    // the app may publish again
    await alice.evaluate(() => (window as any).ctx.changeStreamPublishState({ state: 1, streamType: 'video' }));
    await waitList(bob, 'onRtcVideoMembersChanged', ['alice']);

    const kicked = await api('POST', '/rooms/mod/members/alice/kick');
    assert.equal(kicked.status, 200, JSON.stringify(kicked.body));
    const interrupted = await until(async () => (await events(alice, 'onRtcChatInterrupted'))[0], 'alice interrupted');
    assert.deepEqual(interrupted, { errNo: 21913, errorType: 'I', errMsg: 'onRtcChatInterrupted:fail kicked out of room mod by the server' });
    await waitList(bob, 'onRtcChatMembersChanged', ['bob']);
    await waitList(bob, 'onRtcVideoMembersChanged', []);
    // no rejoin: three seconds later alice is still out (the SDK's recovery rejoins within ~1.5 s)
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual((await api('GET', '/rooms/mod/members')).body.members.map((m: { userId: string }) => m.userId), ['bob']);
    assert.equal((await events(alice, 'onRtcChatInterrupted')).length, 1);
    await alice.context().close();
    await bob.context().close();
  });
});
