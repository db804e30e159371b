// Speakers in Chromium: page A's fake microphone plays tone bursts and silence from a WAV the test
// writes; page B's onRtcChatSpeakersChanged follows them; muting A drops it at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { lastList, openSdkPage, until } from '../helpers/sdk-page.ts';
import { writeWav } from '../helpers/wav.ts';

type Change = { t: number; list: string[] };

/** Speaker snapshots a page received, with wall-clock times (shared across pages). */
function speakerLog(page: Page): Promise<Change[]> {
  return page.evaluate(() =>
    (window as unknown as { log: { ev: string; p: { userIdList: string[] }; t: number }[] }).log
      .filter((e) => e.ev === 'onRtcChatSpeakersChanged')
      .map((e) => ({ t: performance.timeOrigin + e.t, list: e.p.userIdList })),
  );
}

describe('speakers in Chromium', () => {
  let server: TestServer;
  let tb: TestBrowser;
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR });
    // 1.2 s of silence, 0.8 s of a 440 Hz tone: the fake microphone loops it
    const wav = writeWav([
      { hz: 0, amplitude: 0, ms: 1200 },
      { hz: 440, amplitude: 0.5, ms: 800 },
    ]);
    tb = await launchBrowser([`--use-file-for-fake-audio-capture=${wav}`]);
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });

  test('bursts are reported, silence is not, muting drops the speaker at once', async () => {
    const a = await openSdkPage(tb, server.url, APP.appId);
    const b = await openSdkPage(tb, server.url, APP.appId);
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'talk', userId: 'alice', token });
    }, mintToken('talk', 'alice'));
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'talk', userId: 'bob', token }), mintToken('talk', 'bob'));
    // three bursts
    await until(async () => (await speakerLog(b)).filter((c) => c.list.includes('alice')).length >= 3, 'three bursts at bob', 15_000);
    const log = await speakerLog(b);
    const on = log.filter((c) => c.list.includes('alice'));
    const off = log.filter((c, i) => i > 0 && c.list.length === 0);
    assert.ok(off.length >= 2, JSON.stringify(log));
    // each burst is one speaking period: 0.8 s of tone + the hang time, never a flap inside it
    for (const start of on) {
      const end = log.find((c) => c.t > start.t && !c.list.includes('alice'));
      if (!end) continue;
      const ms = end.t - start.t;
      assert.ok(ms > 700 && ms < 2000, `speaking period of ${ms} ms: ${JSON.stringify(log)}`);
    }
    // silence between bursts is reported as silence: ~1.2 s − hang
    for (const stop of off) {
      const next = on.find((c) => c.t > stop.t);
      if (next) assert.ok(next.t - stop.t > 300, `silence of ${next.t - stop.t} ms`);
    }
    // alice sees herself too, decided locally
    await until(async () => ((await speakerLog(a)).some((c) => c.list.includes('alice')) ? true : undefined), 'alice in her own list');
    // mute while speaking: bob's list drops alice without waiting for the hang time
    await until(async () => ((await lastList(b, 'onRtcChatSpeakersChanged'))?.includes('alice') ? true : undefined), 'alice speaking', 5000, 20);
    const mutedAt = await a.evaluate(async () => {
      const t = performance.timeOrigin + performance.now();
      await (window as any).ctx.changeStreamPublishState({ state: 0, streamType: 'audio' });
      return t;
    });
    await until(async () => ((await lastList(b, 'onRtcChatSpeakersChanged'))?.length === 0 ? true : undefined), 'alice dropped', 5000, 20);
    const dropped = (await speakerLog(b)).at(-1)!;
    assert.ok(dropped.t - mutedAt < 400, `dropped ${Math.round(dropped.t - mutedAt)} ms after mute (hang time is 500 ms)`);
    assert.deepEqual(await lastList(a, 'onRtcChatSpeakersChanged'), []);
    await a.context().close();
    await b.context().close();
  });
});
