// The demo call app (packages/demo, built by `npm run build`) in Chromium: join, tiles, speaking
// indicator, screen share, leave, languages. Screenshots go to test-artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { APP, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import type { TestServer } from '../helpers/fixture.ts';
import { recordToasts, toastsOf, until } from '../helpers/sdk-page.ts';
import { writeWav } from '../helpers/wav.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

async function openDemo(tb: TestBrowser, url: string, width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await tb.browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width, height: width < 500 ? 740 : 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await recordToasts(page);
  await page.goto(`${url}/`);
  await page.waitForSelector('#joinBtn:not(:empty)');
  return { context, page };
}

async function join(page: Page, room: string, user: string, mic: boolean): Promise<void> {
  await page.fill('#roomId', room);
  await page.fill('#userId', user);
  if (!mic) await page.uncheck('#micOn');
  await page.click('#joinBtn');
  await page.waitForSelector('#call:not([hidden])');
}

const tiles = (p: Page): Promise<string[]> => p.evaluate(() => [...document.querySelectorAll<HTMLElement>('#grid .tile')].map((t) => t.dataset.key ?? ''));
const playing = (p: Page, selector: string): Promise<boolean> =>
  p.evaluate((sel) => {
    const el = document.querySelector(sel) as unknown as { videoElement: HTMLVideoElement } | null;
    return !!el && el.videoElement.videoWidth > 0;
  }, selector);

describe('the demo call app', () => {
  let server: TestServer;
  let tb: TestBrowser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer({ devApp: APP });
    const wav = writeWav([
      { hz: 0, amplitude: 0, ms: 1000 },
      { hz: 300, amplitude: 0.6, ms: 1500 },
    ]);
    tb = await launchBrowser([`--use-file-for-fake-audio-capture=${wav}`]);
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });

  test('join page in both languages', async () => {
    const { context, page } = await openDemo(tb, server.url, 360);
    try {
      assert.equal(await page.textContent('#joinBtn'), '进入房间');
      await page.screenshot({ path: `${ARTIFACTS}join-360.png` });
      await page.click('#lang');
      assert.equal(await page.textContent('#joinBtn'), 'Join');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: `${ARTIFACTS}join-1280-en.png` });
      await page.click('#lang');
      assert.equal(await page.textContent('#joinBtn'), '进入房间');
    } finally {
      await context.close();
    }
  });

  test('three people: tiles, speaking indicator, screen share, leave', async () => {
    const ann = await openDemo(tb, server.url, 1280);
    const ben = await openDemo(tb, server.url, 1280);
    const cai = await openDemo(tb, server.url, 360);
    try {
      await join(ann.page, '555', 'ann', true);
      await join(ben.page, '555', 'ben', false);
      await join(cai.page, '555', 'cai', false);
      await until(async () => (await toastsOf(ann.page)).includes('进房成功'), '进房成功 toast');
      assert.ok(server.rooms.room(APP.appId, 'call_555'), 'the room is call_<id>');
      await until(async () => JSON.stringify((await tiles(ann.page)).sort()) === '["cam:ann","cam:ben","cam:cai"]', 'three tiles at ann');
      await until(() => playing(ben.page, '[data-key="cam:ann"] rtc-room'), "ann's video at ben", 15_000);
      await until(() => playing(ben.page, '[data-key="cam:cai"] rtc-room'), "cai's video at ben", 15_000);
      // ann's fake microphone plays tone bursts: her tile lights at ben
      await until(() => ben.page.evaluate(() => document.querySelector('[data-key="cam:ann"]')?.classList.contains('speaking') ?? false), 'speaking indicator', 10_000, 50);
      assert.equal(await ben.page.evaluate(() => document.querySelector('[data-key="cam:cai"]')?.classList.contains('speaking')), false);
      // the microphone icon follows the Douyin speakers event: ann's audio is on, ben and cai joined with the mic off
      const muted = (p: Page, key: string) => p.evaluate((k) => document.querySelector(`[data-key="${k}"]`)?.classList.contains('muted'), key);
      await until(async () => (await muted(ben.page, 'cam:ann')) === false && (await muted(ben.page, 'cam:cai')) === true, 'mic icons at ben');
      assert.ok(await ben.page.evaluate(() => !!document.querySelector('[data-key="cam:ann"] .mic svg')), 'a microphone icon on the tile');
      // screen share tile
      await ann.page.click('#shareBtn');
      await until(() => playing(ben.page, '[data-key="screen:ann"] rtc-room'), 'screen tile at ben', 15_000);
      await until(() => playing(cai.page, '[data-key="screen:ann"] rtc-room'), 'screen tile at cai', 15_000);
      assert.equal((await tiles(ben.page))[0], 'screen:ann', 'screen shares come first');
      await new Promise((r) => setTimeout(r, 800));
      await ben.page.screenshot({ path: `${ARTIFACTS}call-3-1280.png` });
      await cai.page.screenshot({ path: `${ARTIFACTS}call-3-360.png`, fullPage: true });
      // leave removes the tile
      await cai.page.click('#leaveBtn');
      await cai.page.waitForSelector('#join:not([hidden])');
      await until(async () => !(await tiles(ann.page)).includes('cam:cai'), "cai's tile gone at ann");
      await until(async () => !(await tiles(ben.page)).includes('cam:cai'), "cai's tile gone at ben");
    } finally {
      for (const p of [ann, ben, cai]) await p.context.close();
    }
  });
});
