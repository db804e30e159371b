// Speakers in Chromium: page A's fake microphone plays tone bursts and silence from a WAV the test
// writes. The Douyin event (onRtcChatSpeakersChanged) lists whose audio is on and stays steady
// through the silence; the voice-activity extension (onRtcActiveSpeakersChanged) follows the
// bursts with levels; `speakersEvent: 'voice'` makes the Douyin event carry voice activity;
// muting drops A from every list at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { lastList, openSdkPage, until } from '../helpers/sdk-page.ts';
import { writeWav } from '../helpers/wav.ts';

type Change = { t: number; list: string[] };
type Active = { t: number; speakers: { userId: string; level: number }[] };
type LogEntry = { ev: string; p: { userIdList?: string[]; speakers?: { userId: string; level: number }[] }; t: number };

/** Douyin speaker snapshots a page received, with wall-clock times (shared across pages). */
function speakerLog(page: Page): Promise<Change[]> {
  return page.evaluate(() =>
    ((window as unknown as { log: LogEntry[] }).log)
      .filter((e) => e.ev === 'onRtcChatSpeakersChanged')
      .map((e) => ({ t: performance.timeOrigin + e.t, list: e.p.userIdList ?? [] })),
  );
}

/** Voice-activity events a page received. */
function activeLog(page: Page): Promise<Active[]> {
  return page.evaluate(() =>
    ((window as unknown as { log: LogEntry[] }).log)
      .filter((e) => e.ev === 'onRtcActiveSpeakersChanged')
      .map((e) => ({ t: performance.timeOrigin + e.t, speakers: e.p.speakers ?? [] })),
  );
}

const has = (a: Active, id: string): boolean => a.speakers.some((s) => s.userId === id);

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

  test('audio-on list is steady through silence; voice activity follows bursts; muting drops at once', async () => {
    const a = await openSdkPage(tb, server.url, APP.appId);
    const b = await openSdkPage(tb, server.url, APP.appId);
    const c = await openSdkPage(tb, server.url, APP.appId, { contextOptions: { speakersEvent: 'voice' } });
    await a.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'talk', userId: 'alice', token });
    }, mintToken('talk', 'alice'));
    await b.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'talk', userId: 'bob', token }), mintToken('talk', 'bob'));
    await c.evaluate((token) => (window as any).ctx.joinRtcRoom({ roomId: 'talk', userId: 'carol', token }), mintToken('talk', 'carol'));

    // the Douyin event: alice's audio is on, at bob and at alice herself
    await until(async () => JSON.stringify(await lastList(b, 'onRtcChatSpeakersChanged')) === '["alice"]', 'bob sees alice audio on');
    await until(async () => JSON.stringify(await lastList(a, 'onRtcChatSpeakersChanged')) === '["alice"]', 'alice sees her own audio on');

    // three bursts of voice activity at bob (refreshes while speaking repeat alice with new levels)
    const startsOf = (log: Active[]) => log.filter((x, i) => has(x, 'alice') && (i === 0 || !has(log[i - 1]!, 'alice')));
    await until(async () => startsOf(await activeLog(b)).length >= 3, 'three bursts at bob', 15_000);
    const log = await activeLog(b);
    const starts = startsOf(log);
    const off = log.filter((x, i) => i > 0 && x.speakers.length === 0);
    assert.ok(off.length >= 2, JSON.stringify(log));
    for (const x of starts) {
      const level = x.speakers.find((s) => s.userId === 'alice')!.level;
      assert.ok(Number.isInteger(level) && level >= 0 && level < 50, `level ${level} of a loud tone`);
    }
    // each burst is one speaking period: 0.8 s of tone + the hang time, never a flap inside it
    // (not the first: alice's audio may begin to flow in the middle of a tone, and that burst is short)
    for (const start of starts.slice(1)) {
      const end = log.find((x) => x.t > start.t && !has(x, 'alice'));
      if (!end) continue;
      const ms = end.t - start.t;
      assert.ok(ms > 700 && ms < 2000, `speaking period of ${ms} ms: ${JSON.stringify(log)}`);
    }
    // through all of that silence, bob's Douyin list never dropped alice
    const douyin = await speakerLog(b);
    const firstOn = douyin.findIndex((x) => JSON.stringify(x.list) === '["alice"]');
    assert.ok(firstOn >= 0 && douyin.slice(firstOn).every((x) => JSON.stringify(x.list) === '["alice"]'), JSON.stringify(douyin));
    // carol asked for voice activity in the Douyin event: it follows the bursts
    await until(async () => (await speakerLog(c)).filter((x) => x.list.includes('alice')).length >= 2 && (await speakerLog(c)).some((x) => x.list.length === 0), 'voice mode at carol', 10_000);
    // alice's own voice activity is decided locally
    await until(async () => ((await activeLog(a)).some((x) => has(x, 'alice')) ? true : undefined), 'alice in her own active list');

    // Opus DTX (asked of every publisher by default): once a silence has lasted ~0.4 s alice's
    // encoder sends a packet every 400 ms instead of 50 a second, so over 6 s of 1.2 s silence /
    // 0.8 s tone bob receives ~205 packets (measured) against ~303 without DTX, and the tones flow
    const audioIn = () =>
      b.evaluate(async () => {
        let n = 0;
        ((await (window as any).ctx.getStats()).subscriber as RTCStatsReport | undefined)?.forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived ?? 0;
        });
        return n;
      });
    const p0 = await audioIn();
    await new Promise((r) => setTimeout(r, 6000));
    const packets = (await audioIn()) - p0;
    console.log(`# Opus DTX: bob received ${packets} of alice's audio packets in 6 s (without DTX: ~303)`);
    assert.ok(packets > 90 && packets < 260, `${packets} audio packets in 6 s`);

    // mute while speaking: both lists at bob drop alice without waiting for the hang time
    await until(async () => ((await activeLog(b)).at(-1) && has((await activeLog(b)).at(-1)!, 'alice') ? true : undefined), 'alice speaking', 5000, 20);
    const mutedAt = await a.evaluate(async () => {
      const t = performance.timeOrigin + performance.now();
      await (window as any).ctx.changeStreamPublishState({ state: 0, streamType: 'audio' });
      return t;
    });
    await until(async () => ((await activeLog(b)).at(-1)?.speakers.length === 0 ? true : undefined), 'alice dropped', 5000, 20);
    const dropped = (await activeLog(b)).at(-1)!;
    assert.ok(dropped.t - mutedAt < 400, `dropped ${Math.round(dropped.t - mutedAt)} ms after mute (hang time is 500 ms)`);
    await until(async () => ((await lastList(b, 'onRtcChatSpeakersChanged'))?.length === 0 ? true : undefined), 'audio-off at bob', 3000, 20);
    await until(async () => ((await lastList(a, 'onRtcChatSpeakersChanged'))?.length === 0 ? true : undefined), 'audio-off at alice', 3000, 20);
    await a.context().close();
    await b.context().close();
    await c.context().close();
  });
});
