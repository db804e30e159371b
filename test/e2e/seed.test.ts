// The seed's call flow (Volcengine's Douyin mini-program guide) running on the tt shim in Chromium:
// a page of our own that follows the seed call for call (test/fixtures/pages/seed.html).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { APP, mintToken } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { serverAndBrowser } from '../helpers/fixture.ts';
import { recordToasts, toastsOf, until } from '../helpers/sdk-page.ts';

/** Opens the seed page for `userId` in room `call_<roomId>`, recording every toast it shows. */
async function seedPage(context: BrowserContext, url: string, roomId: string, userId: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await recordToasts(page);
  const q = new URLSearchParams({ appId: APP.appId, roomId, userId, token: mintToken(`call_${roomId}`, userId) });
  await page.goto(`${url}/seed.html?${q}`);
  return page;
}

const toasts = toastsOf;
const members = (p: Page): Promise<string[]> => p.evaluate(() => [...document.querySelectorAll('#members li')].map((li) => li.textContent ?? ''));
const videoOf = (p: Page, userId: string) =>
  p.evaluate((id) => {
    const el = document.querySelector(`rtc-room[user-id="${id}"]`) as unknown as { videoElement: HTMLVideoElement } | null;
    return el ? el.videoElement.videoWidth : -1;
  }, userId);

describe('the seed flow on the tt shim', () => {
  const f = serverAndBrowser();

  test('two users get 进房成功, see each other, and member lists follow an exit', async () => {
    const ctx = await f.tb.browser.newContext({ permissions: ['camera', 'microphone'] });
    try {
      const a = await seedPage(ctx, f.server.url, '42', 'u1');
      const b = await seedPage(ctx, f.server.url, '42', 'u2');
      for (const p of [a, b]) await until(async () => (await toasts(p)).includes('进房成功'), '进房成功 toast');
      // the two pages join concurrently: either order
      await until(async () => JSON.stringify((await members(a)).sort()) === '["u1","u2"]', 'members at u1');
      await until(async () => (await videoOf(a, 'u2')) > 0, 'u2 video at u1', 15_000);
      await until(async () => (await videoOf(b, 'u1')) > 0, 'u1 video at u2', 15_000);
      assert.ok((await videoOf(a, 'u1')) > 0, 'own camera preview');
      assert.equal(f.server.rooms.room(APP.appId, 'call_42')?.members.size, 2);
      await b.evaluate(() => (window as any).rtcroom.getCurrentPages()[0].leave());
      await until(async () => JSON.stringify(await members(a)) === '["u1"]', 'u2 gone at u1');
      assert.equal(await videoOf(a, 'u2'), -1);
      assert.deepEqual(await members(b), []);
    } finally {
      await ctx.close();
    }
  });

  test('a refused camera shows the seed toast and the call goes on audio-only', async () => {
    const refusing = await launchBrowser([], { fakeUi: false });
    const ctx = await f.tb.browser.newContext({ permissions: ['camera', 'microphone'] });
    const noCam = await refusing.browser.newContext({ permissions: ['microphone'] });
    try {
      const a = await seedPage(ctx, f.server.url, '7', 'host');
      const b = await seedPage(noCam, f.server.url, '7', 'nocam');
      await until(async () => (await toasts(b)).includes('请打开相机权限!'), 'camera toast');
      await until(async () => (await toasts(b)).includes('进房成功'), '进房成功 despite the camera');
      await until(async () => JSON.stringify((await members(a)).sort()) === '["host","nocam"]', 'nocam in the room');
      // its audio reaches the host; it never appears as a video member
      const audio = () =>
        a.evaluate(async () => {
          const s = await (window as any).rtcroom.getApp().RtcClient.getStats();
          let n = 0;
          s.subscriber?.forEach((r: { type: string; kind: string; packetsReceived?: number }) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived ?? 0;
          });
          return n;
        });
      await until(async () => (await audio()) > 20, 'nocam audio at host', 15_000);
      assert.equal(await videoOf(a, 'nocam'), -1);
      assert.deepEqual(await b.evaluate(() => (window as any).rtcroom.getCurrentPages()[0].data.videoMembers), ['host']);
      // tt.authorize / tt.getSetting follow the browser's permissions
      const tt = await b.evaluate(async () => {
        const t = (window as any).rtcroom.tt;
        const cam = await t.authorize({ scope: 'scope.camera' }).catch((e: { errNo: number; errMsg: string }) => [e.errNo, e.errMsg]);
        const mic = await t.authorize({ scope: 'scope.record' });
        const setting = await t.getSetting();
        const info = t.getSystemInfoSync();
        return { cam, mic, record: setting.authSetting['scope.record'], info };
      });
      assert.deepEqual(tt.cam, [10200, 'authorize:fail auth deny']);
      assert.deepEqual(tt.mic, { errMsg: 'authorize:ok' });
      assert.equal(tt.record, true);
      for (const k of ['screenWidth', 'screenHeight', 'windowWidth', 'windowHeight', 'pixelRatio']) assert.equal(typeof tt.info[k], 'number', k);
      assert.ok(tt.info.windowWidth > 0 && tt.info.pixelRatio > 0);
      assert.equal(typeof tt.info.platform, 'string');
    } finally {
      await ctx.close();
      await noCam.close();
      await refusing.close();
    }
  });
});
