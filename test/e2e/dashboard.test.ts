// The operator's dashboard in Chromium: two SDK pages in a call (media on a worker process), the
// dashboard logged in with the admin key shows the room, its members, what each publishes, who
// speaks (tone bursts on the fake microphone), bitrates, and the usage table; mute and kick
// from its buttons reach the members. A wrong key shows the API's 401 message; a server without
// a key says the API is off. Leaves a screenshot at /tmp/dashboard.png for a person to check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { captureAndJoin, openSdkPage, until, waitList } from '../helpers/sdk-page.ts';
import { writeWav } from '../helpers/wav.ts';

const KEY = 'dashboard-admin-key-0123456789';
const SCREENSHOT = '/tmp/dashboard.png';

/** A member's row in the dashboard. */
const memberRow = (page: Page, userId: string): Locator => page.locator(`#members tbody tr[data-key="${userId}"]`);
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').trim();
/** kbit/s from a cell such as `850 kbps` or `1.25 Mbps` (0 for `0` or `–`). */
const kbpsOf = (s: string): number => {
  const m = /^([\d.]+) (kbps|Mbps)$/.exec(s);
  return m ? Number(m[1]) * (m[2] === 'Mbps' ? 1000 : 1) : 0;
};

describe('dashboard in Chromium', () => {
  let server: TestServer;
  let tb: TestBrowser;
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcroom-dashboard-'));
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR, adminKey: KEY, workers: 2, usage: { dataDir, database: undefined, aliveEveryMs: 1000 } });
    // tone bursts between short silences (a steady tone would be taken for background noise)
    const wav = writeWav([
      { hz: 0, amplitude: 0, ms: 600 },
      { hz: 440, amplitude: 0.5, ms: 1400 },
    ]);
    tb = await launchBrowser([`--use-file-for-fake-audio-capture=${wav}`]);
  });
  after(async () => {
    await tb?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('live room, members, streams, speakers, bitrate, usage; mute and kick from the buttons; a wrong key is refused', async () => {
    const alice = await openSdkPage(tb, server.url, APP.appId);
    const bob = await openSdkPage(tb, server.url, APP.appId);
    await captureAndJoin(alice, 'dash', 'alice', mintToken('dash', 'alice'));
    await captureAndJoin(bob, 'dash', 'bob', mintToken('dash', 'bob'), { video: true });
    await waitList(bob, 'onRtcVideoMembersChanged', ['alice', 'bob'], 15_000);

    const context = await tb.browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('dashboard page error:', e));
    await page.goto(`${server.url}/dashboard`);

    // a wrong key: the API's own 401 message, and no board
    await page.fill('#key', 'not-the-key');
    await page.click('#login button[type=submit]');
    await page.locator('#loginError').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#loginError')), /missing or wrong admin key/);
    assert.equal(await page.locator('#board').isVisible(), false);

    await page.fill('#key', KEY);
    await page.click('#login button[type=submit]');
    await page.locator('#board').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#app').inputValue(), APP.appId);

    // the room (selected, being the only one) and its members with what they publish
    const room = page.locator('#rooms tbody tr[data-key="dash"]');
    await room.waitFor();
    await until(async () => (await text(room.locator('td').nth(1))) === '2', 'two members in the room row');
    assert.equal(await room.getAttribute('aria-selected'), 'true');
    assert.match(await text(room.locator('td').nth(5)), /^[0-9]+$/, 'the media worker hosting it');
    await memberRow(page, 'bob').waitFor();
    await until(async () => (await memberRow(page, 'alice').locator('.badge').allTextContents()).join(',') === 'mic,camera', 'alice publishes mic and camera');
    assert.deepEqual(await memberRow(page, 'bob').locator('.badge').allTextContents(), ['camera']);

    // figures move: alice sends audio and video, bob receives them; alice speaks, bob has no mic
    await until(async () => kbpsOf(await text(memberRow(page, 'alice').locator('td.send .value'))) > 50, 'alice sends more than 50 kbps', 15_000);
    await until(async () => kbpsOf(await text(memberRow(page, 'bob').locator('td.receive .value'))) > 50, 'bob receives more than 50 kbps', 15_000);
    await until(async () => (await memberRow(page, 'alice').locator('td.speaking').getAttribute('class'))?.includes('on'), 'alice shown speaking', 15_000);
    assert.equal((await memberRow(page, 'bob').locator('td.speaking').getAttribute('class'))?.includes('on'), false);
    assert.match(await text(memberRow(page, 'alice').locator('td.loss')), /^\d+(\.\d)?%$/);
    assert.equal(await memberRow(page, 'bob').locator('button[data-action="mute-audio"]').isDisabled(), true, 'nothing to mute');
    // bob's downlink as the server estimates it (Chromium sends transport-wide feedback): on
    // loopback, above what he receives, and his video is not paused for it
    await until(async () => /^the server estimates its downlink at /.test((await memberRow(page, 'bob').locator('td.receive').getAttribute('title')) ?? ''), "bob's downlink estimate shown", 15_000);
    const downlink = kbpsOf(((await memberRow(page, 'bob').locator('td.receive').getAttribute('title')) ?? '').replace(/^.* at /, ''));
    assert.ok(downlink > kbpsOf(await text(memberRow(page, 'bob').locator('td.receive .value'))), `bob's downlink estimate ${downlink} kbit/s`);
    assert.equal(await memberRow(page, 'bob').locator('td.receive .tag').isVisible(), false, 'not audio only');

    // the usage table has the call going on
    const usage = page.locator('#usage tbody tr', { hasText: 'dash' });
    await usage.waitFor();
    assert.equal(await text(usage.locator('td').nth(1)), '1');
    // the picture for a person to check: a few seconds of bitrate lines, alice speaking
    await new Promise((r) => setTimeout(r, 8000));
    await until(async () => (await memberRow(page, 'alice').locator('td.speaking').getAttribute('class'))?.includes('on'), 'alice speaking for the screenshot', 15_000);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // mute alice's camera from its button: bob sees the unpublish, the row shows the mic alone
    await memberRow(page, 'alice').locator('button[data-action="mute-video"]').click();
    await waitList(bob, 'onRtcVideoMembersChanged', ['bob']);
    await until(async () => (await memberRow(page, 'alice').locator('.badge').allTextContents()).join(',') === 'mic', 'alice shows the mic only');

    // kick bob, after the confirmation: he is interrupted with 21913 and leaves the table
    page.once('dialog', (d) => void d.accept());
    await memberRow(page, 'bob').locator('button[data-action="kick"]').click();
    const interrupted = await until(
      () => bob.evaluate(() => (window as any).log.find((e: { ev: string }) => e.ev === 'onRtcChatInterrupted')?.p),
      'bob interrupted',
    );
    assert.equal(interrupted.errNo, 21913);
    await memberRow(page, 'bob').waitFor({ state: 'detached' });
    await until(async () => (await text(room.locator('td').nth(1))) === '1', 'one member left in the room row');
    assert.equal(await page.locator('#error').isVisible(), false);
    await context.close();
    await alice.context().close();
    await bob.context().close();
  });

  test('a server without an admin key: the dashboard says the API is off', async () => {
    const off = await startTestServer({ demoDir: PAGES_DIR });
    try {
      const page = await tb.browser.newPage();
      await page.goto(`${off.url}/dashboard/`);
      await page.locator('#off').waitFor({ state: 'visible' });
      assert.match(await text(page.locator('#off')), /admin API is off.*--admin-key/);
      assert.equal(await page.locator('#login').isVisible(), false);
      await page.close();
    } finally {
      await off.close();
    }
  });
});
