// A Douyin mini-program project (test/fixtures/miniapp: a join page and a TypeScript call page,
// written as Douyin's docs show) run unchanged by `--miniapp` in Chromium: two members join,
// see both tiles, toggle camera and microphone, leave and go back; toasts as a user sees them.
// Also: `rtcroom miniapp build` output on a plain static server. Screenshot: /tmp/miniapp-call.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { APP, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { recordToasts, toastsOf, until } from '../helpers/sdk-page.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/miniapp/', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));

async function open(tb: TestBrowser, url: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await tb.browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 390, height: 780 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('Failed to load resource')) errors.push(m.text());
  });
  await recordToasts(page);
  await page.goto(url);
  await page.waitForSelector('page[data-route="pages/join/join"] input');
  return { context, page, errors };
}

const title = (p: Page) => p.locator('.tt-navbar-title').textContent();
const route = (p: Page) => p.evaluate(() => document.querySelector('page:not([hidden])')?.getAttribute('data-route'));
/** The user ids whose tile is on the visible page, with whether its video shows decoded frames. */
const tiles = (p: Page) =>
  p.evaluate(() =>
    [...document.querySelectorAll('page:not([hidden]) .tile')].map((t) => {
      const v = (t.querySelector('rtc-room') as unknown as { videoElement: HTMLVideoElement }).videoElement;
      return { user: t.querySelector('.tile-name')?.textContent ?? '', frames: v.getVideoPlaybackQuality().totalVideoFrames, width: v.videoWidth };
    }),
  );
const members = (p: Page) => p.evaluate(() => [...document.querySelectorAll('page:not([hidden]) .member')].map((m) => m.textContent?.replace(/\s+/g, '')));

async function toastShown(p: Page, text: string): Promise<void> {
  await until(async () => (await toastsOf(p)).includes(text) || undefined, `toast "${text}" (seen: ${(await toastsOf(p)).join(', ')})`);
}

async function joinCall(p: Page, room: string, user: string): Promise<void> {
  await p.fill('page:not([hidden]) input >> nth=0', room);
  await p.fill('page:not([hidden]) input >> nth=1', user);
  await p.click('button.join:not([disabled])');
  await until(async () => ((await route(p)) === 'pages/call/call' ? true : undefined), 'the call page opens');
}

describe('a Douyin mini-program run by rtcroom serve --miniapp', () => {
  let server: TestServer;
  let tb: TestBrowser;
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR, miniappDir: FIXTURE, devApp: APP });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });

  test('two members: join, both tiles decode, camera and microphone toggles, leave and back', async () => {
    const a = await open(tb, `${server.url}/miniapp/`);
    const b = await open(tb, `${server.url}/miniapp/`);
    assert.equal(await title(a.page), '加入通话');
    assert.equal(await a.page.locator('.tt-navbar-back').isVisible(), false, 'no back button on the first page');
    assert.equal(await a.page.locator('button.join').isDisabled(), true, 'join is disabled until both fields are filled');

    await joinCall(a.page, 'mini1', 'alice');
    // the page toasts a newcomer only once it holds a member list (its own join's): bob joins after
    // that list reached alice, not within the same 50 ms snapshot
    await until(async () => ((await members(a.page)).some((m) => m?.includes('alice')) ? true : undefined), "alice's page lists her");
    await joinCall(b.page, 'mini1', 'bob');
    for (const p of [a.page, b.page]) {
      assert.equal(await title(p), '房间 mini1', 'setNavigationBarTitle');
      assert.match(p.url(), /#\/pages\/call\/call\?roomId=mini1&userId=(alice|bob)&camera=1$/);
      await toastShown(p, '已加入');
    }
    await toastShown(a.page, 'bob 加入了');
    // both tiles on both pages, each decoding frames
    for (const p of [a.page, b.page]) {
      await until(async () => {
        const t = await tiles(p);
        return t.length === 2 && t.every((x) => x.width > 0 && x.frames > 0) ? t : undefined;
      }, 'two tiles with decoded video');
    }
    assert.deepEqual((await tiles(a.page)).map((t) => t.user).sort(), ['alice', 'bob']);
    await until(async () => ((await members(b.page)).join() === 'alice🎤,bob（我）🎤' ? true : undefined), 'bob sees both microphones on');
    await a.page.screenshot({ path: '/tmp/miniapp-call.png' });

    // alice turns her camera off: bob's alice tile goes, alice's button says so
    await a.page.click('.ctl.camera');
    await toastShown(a.page, '摄像头已关');
    assert.equal(await a.page.locator('.ctl.camera').textContent(), '开摄像头');
    await until(async () => ((await tiles(b.page)).map((t) => t.user).join() === 'bob' ? true : undefined), 'alice tile leaves bob’s page');
    await a.page.click('.ctl.camera');
    await until(async () => ((await tiles(b.page)).length === 2 ? true : undefined), 'alice tile comes back');

    // alice mutes: bob sees her microphone off, then on again
    await a.page.click('.ctl.mic');
    await toastShown(a.page, '已静音');
    await until(async () => ((await members(b.page)).join() === 'alice🔇,bob（我）🎤' ? true : undefined), 'bob sees alice muted');
    await a.page.click('.ctl.mic');
    await until(async () => ((await members(b.page)).join() === 'alice🎤,bob（我）🎤' ? true : undefined), 'bob sees alice unmuted');

    // alice leaves with the button: back on the join page, which kept its state; bob is alone
    await a.page.click('.ctl.leave');
    await until(async () => ((await route(a.page)) === 'pages/join/join' ? true : undefined), 'alice is back on the join page');
    await toastShown(a.page, '已离开');
    assert.equal(await title(a.page), '加入通话');
    assert.equal(await a.page.inputValue('page:not([hidden]) input >> nth=0'), 'mini1');
    assert.deepEqual(await a.page.locator('.recent-room').allTextContents().then((l) => l.map((s) => s.trim())), ['1. mini1']);
    await until(async () => ((await members(b.page)).join() === 'bob（我）🎤' ? true : undefined), 'bob sees alice gone');
    assert.equal(await b.page.locator('.footer').textContent(), '房间 mini1 · 1 人');

    // bob uses the browser's back button: the call page unloads (he leaves the room)
    await b.page.goBack();
    await until(async () => ((await route(b.page)) === 'pages/join/join' ? true : undefined), 'bob is back on the join page');
    assert.equal(await b.page.locator('page').count(), 1, 'the call page was removed');
    const afterBack = await b.page.evaluate(() => (window as unknown as { getCurrentPages(): { route: string }[] }).getCurrentPages().map((x) => x.route));
    assert.deepEqual(afterBack, ['pages/join/join']);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    await a.context.close();
    await b.context.close();
  });

  test('bad input shows the error and a toast; keyed setData keeps DOM nodes; unknown tt APIs fail by name', async () => {
    const redirect = await fetch(`${server.url}/miniapp`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/miniapp/');
    for (const p of ['app.js', 'pages/call/call.ts', '..%2f..%2fpackage.json']) assert.equal((await fetch(`${server.url}/miniapp/${p}`)).status, 404, p);
    const a = await open(tb, `${server.url}/miniapp/`);
    await a.page.fill('page input >> nth=0', 'no spaces!');
    await a.page.fill('page input >> nth=1', 'carol');
    await a.page.click('button.join');
    await toastShown(a.page, '请检查输入');
    assert.equal(await a.page.locator('.rtcroom-toast[data-icon="fail"]').count(), 1);
    assert.match((await a.page.locator('page .hint').first().textContent()) ?? '', /只能包含字母/);
    assert.equal(await route(a.page), 'pages/join/join');

    const r = await a.page.evaluate(async () => {
      const w = window as unknown as { getCurrentPages(): { setData(p: object, cb?: () => void): void }[]; tt: Record<string, (o?: object) => unknown> };
      const page = w.getCurrentPages()[0] as { setData(p: object, cb?: () => void): void };
      const set = (p: object) => new Promise<string[]>((res) => page.setData(p, () => res([...document.querySelectorAll('.recent-room')].map((e) => e.textContent?.trim() ?? ''))));
      const first = await set({ recent: ['r1', 'r2', 'r3'] });
      const nodes = [...document.querySelectorAll('.recent-room')];
      const second = await set({ recent: ['r3', 'r1', 'r2'], 'recent[3]': 'r4' });
      const after = [...document.querySelectorAll('.recent-room')];
      const failed = await new Promise<unknown>((res) => w.tt.getLocation?.({ fail: res }));
      let syncError = '';
      try {
        w.tt.getBatteryInfoSync?.();
      } catch (e) {
        syncError = (e as Error).message;
      }
      return { first, second, kept: after[0] === nodes[2] && after[1] === nodes[0] && after[2] === nodes[1], failed, syncError };
    });
    assert.deepEqual(r.first, ['1. r1', '2. r2', '3. r3'], 'the setData callback runs after the render');
    assert.deepEqual(r.second, ['1. r3', '2. r1', '3. r2', '4. r4']);
    assert.equal(r.kept, true, 'reordered keyed items keep their DOM nodes');
    assert.deepEqual(r.failed, { errMsg: 'getLocation:fail tt.getLocation is not supported by the web runtime' });
    assert.equal(r.syncError, 'getBatteryInfoSync:fail tt.getBatteryInfoSync is not supported by the web runtime');
    await a.context.close();
  });

  test('`rtcroom miniapp build` output on a plain static server renders the first page', async () => {
    const out = mkdtempSync(join(tmpdir(), 'miniapp-build-'));
    let statics: Server | undefined;
    try {
      const r = spawnSync(process.execPath, [CLI, 'miniapp', 'build', FIXTURE, '--out', out, '--server-url', server.url], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /wrote 3 files/);
      assert.match(readFileSync(join(out, 'project.js'), 'utf8'), new RegExp(`"serverUrl":"${server.url}"`));
      const bad = spawnSync(process.execPath, [CLI, 'miniapp', 'build', PAGES_DIR, '--out', out], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /has no app\.json/);
      // a static file server that knows nothing of mini-programs
      statics = createServer((req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
        try {
          const body = readFileSync(join(out, path));
          res.writeHead(200, { 'content-type': extname(path) === '.html' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' });
          res.end(body);
        } catch {
          res.writeHead(404);
          res.end();
        }
      });
      await new Promise<void>((res) => (statics as Server).listen(0, '127.0.0.1', res));
      const port = (statics.address() as { port: number }).port;
      const a = await open(tb, `http://127.0.0.1:${port}/`);
      assert.equal(await title(a.page), '加入通话');
      assert.equal(await a.page.locator('page input:not([role=switch])').count(), 2);
      assert.equal(await a.page.locator('button.join').textContent(), '加入通话');
      assert.deepEqual(a.errors, []);
      await a.context.close();
    } finally {
      statics?.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
