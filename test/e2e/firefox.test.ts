// Firefox ESR as a first-class client (over WebDriver BiDi) in a call with Chromium: video,
// audio and member events both ways, and screen shares both ways. One Firefox and one Chromium
// serve the whole file.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page as PwPage } from 'playwright-core';
import type { Page as PpPage } from 'puppeteer-core';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { firefoxReachable, launchFirefox, openFirefoxSdkPage, type TestFirefox } from '../helpers/firefox.ts';
import { PAGES_DIR, type TestServer } from '../helpers/fixture.ts';
import { openSdkPage, until, mountRoomView } from '../helpers/sdk-page.ts';

/** A page of either browser, reduced to what the tests need: run a function with one argument. */
interface AnyPage {
  name: string;
  run<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

function chromiumPage(p: PwPage): AnyPage {
  return {
    name: 'chromium',
    run: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => p.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown),
    close: () => p.context().close(),
  };
}

function firefoxPage(p: PpPage): AnyPage {
  return {
    name: 'firefox',
    run: async <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => (await p.evaluate(fn as (arg: unknown) => unknown, arg)) as R,
    close: () => p.browserContext().close(),
  };
}

type Win = Window & { ctx: any; log: { ev: string; p: any }[] };

/** Captures (as asked) and joins `roomId` as `userId`. */
async function join(page: AnyPage, roomId: string, userId: string, o: { audio?: boolean; video?: boolean } = {}): Promise<void> {
  await page.run(
    async ({ roomId, userId, token, audio, video }) => {
      const ctx = (window as unknown as Win).ctx;
      if (audio) await ctx.changeAudioCapture({ state: 1 });
      if (video) await ctx.changeVideoCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId, userId, token });
    },
    { roomId, userId, token: mintToken(roomId, userId), audio: o.audio ?? true, video: o.video ?? true },
  );
}

/** Adds `<rtc-room id=… user-id=… mode=…>` to the page. */
async function addView(page: AnyPage, id: string, userId: string, mode: string): Promise<void> {
  await page.run(mountRoomView, { id, userId, mode });
}

/**
 * A view's video size and the frames it presented, counted with `requestVideoFrameCallback`
 * (Firefox's `getVideoPlaybackQuality()` stays at 0 for MediaStream sources).
 */
function view(page: AnyPage, id: string): Promise<{ width: number; frames: number }> {
  return page.run((id) => {
    const v = (document.getElementById(id) as unknown as { videoElement: HTMLVideoElement & { presented?: number } }).videoElement;
    if (v.presented === undefined) {
      v.presented = 0;
      const tick = (): void => {
        v.presented!++;
        v.requestVideoFrameCallback(tick);
      };
      v.requestVideoFrameCallback(tick);
    }
    return { width: v.videoWidth, frames: v.presented };
  }, id);
}

/** Waits until a view shows video and its frame count keeps growing; returns the counts seen. */
async function waitPlaying(page: AnyPage, id: string): Promise<{ width: number; first: number; later: number }> {
  const first = await until(async () => {
    const v = await view(page, id);
    return v.width > 0 && v.frames > 0 ? v : undefined;
  }, `${page.name} ${id} to show video`, 20_000);
  const later = await until(async () => {
    const v = await view(page, id);
    return v.frames > first.frames + 10 ? v : undefined;
  }, `${page.name} ${id} frames to keep coming`, 15_000);
  return { width: first.width, first: first.frames, later: later.frames };
}

/** Inbound-rtp totals of one kind on the page's subscriber connection. */
function inbound(page: AnyPage, kind: 'audio' | 'video'): Promise<{ packets: number; framesDecoded: number; samples: number; level: number }> {
  return page.run(async (kind) => {
    const s = await (window as unknown as Win).ctx.getStats();
    const out = { packets: 0, framesDecoded: 0, samples: 0, level: 0 };
    s.subscriber?.forEach((r: { type: string; kind: string; packetsReceived?: number; framesDecoded?: number; totalSamplesReceived?: number; audioLevel?: number }) => {
      if (r.type !== 'inbound-rtp' || r.kind !== kind) return;
      out.packets += r.packetsReceived ?? 0;
      out.framesDecoded += r.framesDecoded ?? 0;
      out.samples += r.totalSamplesReceived ?? 0;
      out.level = Math.max(out.level, r.audioLevel ?? 0);
    });
    return out;
  }, kind);
}

/** Waits until inbound video frames decoded grow by more than 10; returns both counts. */
async function framesGrow(page: AnyPage): Promise<[number, number]> {
  const a = await until(async () => (await inbound(page, 'video')).framesDecoded || undefined, `${page.name} frames decoded`, 20_000);
  const b = await until(async () => {
    const n = (await inbound(page, 'video')).framesDecoded;
    return n > a + 10 ? n : undefined;
  }, `${page.name} frames decoded to grow`, 15_000);
  return [a, b];
}

/** Waits until inbound audio packets grow by more than 20 with samples decoded; returns the totals. */
async function audioFlows(page: AnyPage): Promise<{ packets: number; samples: number; level: number }> {
  const a = await inbound(page, 'audio');
  return until(async () => {
    const b = await inbound(page, 'audio');
    return b.packets > a.packets + 20 && b.samples > a.samples ? b : undefined;
  }, `${page.name} audio packets`, 20_000);
}

/** The latest list `ev` delivered on the page. */
function lastList(page: AnyPage, ev: string): Promise<string[] | undefined> {
  return page.run((ev) => (window as unknown as Win).log.filter((e) => e.ev === ev).at(-1)?.p.userIdList as string[] | undefined, ev);
}

async function waitList(page: AnyPage, ev: string, want: string[]): Promise<void> {
  await until(async () => JSON.stringify(await lastList(page, ev)) === JSON.stringify(want), `${page.name} ${ev} = ${JSON.stringify(want)}`, 15_000);
}

/** `onRtcStateChanged` errNos the page saw. */
function states(page: AnyPage): Promise<number[]> {
  return page.run(() => (window as unknown as Win).log.filter((e) => e.ev === 'onRtcStateChanged').map((e) => e.p.errNo as number), undefined);
}

/** Runs in the page: shares a moving canvas as the screen (a canvas is captured only when it changes). */
async function shareCanvas(): Promise<void> {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const g = canvas.getContext('2d')!;
  let n = 0;
  setInterval(() => {
    g.fillStyle = `hsl(${(n += 7) % 360} 80% 50%)`;
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#fff';
    g.fillRect(n % 600, 150, 40, 40);
  }, 50);
  const track = (canvas as HTMLCanvasElement & { captureStream(fps: number): MediaStream }).captureStream(15).getVideoTracks()[0];
  await (window as unknown as { ctx: { publishScreen(o: { state: number; track: MediaStreamTrack | undefined }): Promise<unknown> } }).ctx.publishScreen({ state: 1, track });
}

describe('Firefox ESR and Chromium in one call', () => {
  let server: TestServer | undefined;
  let ff: TestFirefox | undefined;
  let cr: TestBrowser | undefined;
  const opened: AnyPage[] = [];
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR, ...firefoxReachable() });
    ff = await launchFirefox();
    cr = await launchBrowser();
  });
  after(async () => {
    await ff?.close();
    await cr?.close();
    await server?.close();
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close().catch(() => undefined);
  });
  const openFirefox = async (): Promise<AnyPage> => {
    const p = firefoxPage(await openFirefoxSdkPage(ff!, server!.url, APP.appId));
    opened.push(p);
    return p;
  };
  const openChromium = async (): Promise<AnyPage> => {
    const p = chromiumPage(await openSdkPage(cr!, server!.url, APP.appId));
    opened.push(p);
    return p;
  };

  test('video and audio both ways, member lists in both browsers', async () => {
    const fox = await openFirefox();
    const chrome = await openChromium();
    // every change of Firefox's send encodings, for the record when its 640 layer is missing
    await fox.run(() => {
      const w = window as unknown as { spLog: unknown[] };
      w.spLog = [];
      const set = RTCRtpSender.prototype.setParameters;
      RTCRtpSender.prototype.setParameters = function (this: RTCRtpSender, p: RTCRtpSendParameters) {
        const entry: Record<string, unknown> = { at: Math.round(performance.now()), active: p.encodings.map((e) => `${e.rid}:${e.active}:${e.scaleResolutionDownBy}`) };
        w.spLog.push(entry);
        return set.call(this, p).then(
          () => void (entry.ok = true),
          (e: Error) => {
            entry.error = `${e.name}: ${e.message}`;
            throw e;
          },
        );
      } as typeof set;
    }, undefined);
    await join(fox, 'mixed', 'fox');
    await addView(fox, 'chrome-view', 'chrome', 'video');
    // nobody watches Firefox yet: dynacast pauses its top layer (often before that layer sent a
    // frame, so the server does not know its size); the viewer who comes later must get it back
    await until(
      () => fox.run(() => (window as unknown as { spLog: { active: string[] }[] }).spLog.some((e) => e.active.join() === 'q:true:2,h:false:1') || undefined, undefined),
      "dynacast pauses Firefox's unwatched 640 layer",
      10_000,
    );
    await join(chrome, 'mixed', 'chrome');
    await addView(chrome, 'fox-view', 'fox', 'video');
    for (const p of [fox, chrome]) {
      await waitList(p, 'onRtcChatMembersChanged', ['fox', 'chrome']);
      await waitList(p, 'onRtcVideoMembersChanged', ['fox', 'chrome']);
    }
    const atChrome = await waitPlaying(chrome, 'fox-view');
    const atFox = await waitPlaying(fox, 'chrome-view');
    const decodedAtChrome = await framesGrow(chrome);
    const decodedAtFox = await framesGrow(fox);
    const audioAtChrome = await audioFlows(chrome);
    const audioAtFox = await audioFlows(fox);
    assert.ok(audioAtChrome.level > 0, `Firefox's fake tone is heard in Chromium: ${JSON.stringify(audioAtChrome)}`);
    console.log('firefox→chromium', JSON.stringify({ view: atChrome, framesDecoded: decodedAtChrome, audio: audioAtChrome }));
    console.log('chromium→firefox', JSON.stringify({ view: atFox, framesDecoded: decodedAtFox, audio: audioAtFox }));
    // Firefox publishes as DTLS client with AES-GCM, as Chromium does
    const cipher = await fox.run(async () => {
      const s = await (window as unknown as Win).ctx.getStats();
      let c = '';
      s.publisher?.forEach((r: { type: string; srtpCipher?: string }) => {
        if (r.type === 'transport' && r.srtpCipher) c = r.srtpCipher;
      });
      return c;
    }, undefined);
    assert.equal(cipher, 'SRTP_AEAD_AES_128_GCM');
    // Firefox sends its camera as two simulcast layers again (its top one once its bandwidth
    // estimate carries it, which under load can take a few seconds), and the server forwards the 640 one
    const sentLayers = () =>
      fox.run(async () => {
        const s = await (window as unknown as Win).ctx.getStats();
        const out: Record<string, number> = {};
        s.publisher?.forEach((r: { type: string; kind?: string; rid?: string; bytesSent?: number; frameWidth?: number }) => {
          if (r.type === 'outbound-rtp' && r.kind === 'video' && r.rid && (r.bytesSent ?? 0) > 0) out[r.rid] = r.frameWidth ?? 0;
        });
        return out;
      }, undefined);
    let layers: Record<string, number> = {};
    await until(async () => ((layers = await sentLayers()), layers.h === 640 ? true : undefined), 'Firefox sends its 640-wide layer', 15_000).catch(() => undefined);
    if (layers.h !== 640) {
      // for the record: what Firefox's sender and its transport say (bytes and size per layer, the encodings' active flags)
      const why = await fox.run(async () => {
        const s = await (window as unknown as Win).ctx.getStats();
        const out: unknown[] = [];
        s.publisher?.forEach((r: { type: string; kind?: string }) => {
          if ((r.type === 'outbound-rtp' && r.kind === 'video') || (r.type === 'candidate-pair' && (r as { nominated?: boolean }).nominated)) out.push(r);
        });
        return JSON.stringify({ stats: out, setParameters: (window as unknown as { spLog: unknown[] }).spLog });
      }, undefined);
      console.log(`# Firefox's video sender when its 640 layer is missing: ${why}`);
    }
    assert.deepEqual(layers, { q: 320, h: 640 }, 'two layers sent');
    // Chromium's 640-wide tile gets the 640 layer (at once, or when Firefox's top layer started late)
    const wide = await until(async () => ((await view(chrome, 'fox-view')).width === 640 ? true : undefined), 'Chromium shows the 640-wide layer', 10_000).catch(() => false);
    assert.ok(wide, `Chromium's view is ${(await view(chrome, 'fox-view')).width} wide (at first ${atChrome.width})`);
    // Firefox's publisher connection came up; no media error was reported on either side
    const foxStates = await states(fox);
    assert.ok(foxStates.includes(21952), JSON.stringify(foxStates));
    assert.ok(!foxStates.includes(21908) && !(await states(chrome)).includes(21908));
    // leaving is seen by the other browser
    await fox.run(() => (window as unknown as Win).ctx.exitRtcRoom({ roomId: 'mixed' }), undefined);
    await waitList(chrome, 'onRtcChatMembersChanged', ['chrome']);
    await waitList(chrome, 'onRtcVideoMembersChanged', ['chrome']);
  });

  test('screen shares (canvas tracks) both ways: Firefox → Chromium, Chromium → Firefox', async () => {
    const fox = await openFirefox();
    const chrome = await openChromium();
    await join(fox, 'screen', 'fox', { video: false });
    await join(chrome, 'screen', 'chrome', { video: false, audio: false });
    await addView(chrome, 'fox-screen', 'fox', 'screen');
    await fox.run(shareCanvas, undefined);
    await waitList(chrome, 'onRtcPublishScreenMembersChanged', ['fox']);
    await waitList(fox, 'onRtcPublishScreenMembersChanged', ['fox']);
    // (the encoder may start below the canvas size and ramp up)
    const shown = await waitPlaying(chrome, 'fox-screen');
    console.log('firefox screen→chromium', JSON.stringify(shown));
    await fox.run(() => (window as unknown as Win).ctx.publishScreen({ state: 0 }), undefined);
    await waitList(chrome, 'onRtcPublishScreenMembersChanged', []);
    // and the other way: Chromium shares, Firefox shows it
    await addView(fox, 'chrome-screen', 'chrome', 'screen');
    await chrome.run(shareCanvas, undefined);
    await waitList(fox, 'onRtcPublishScreenMembersChanged', ['chrome']);
    const back = await waitPlaying(fox, 'chrome-screen');
    console.log('chromium screen→firefox', JSON.stringify(back));
  });

  test('a video source the server cannot receive is reported (21908 naming it), not a silent black tile', async () => {
    const fox = await openFirefox();
    // the offer leaves the page offering video in a codec the server does not take
    await fox.run(() => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
        return send.call(this, typeof data === 'string' && data.includes('"publisherOffer"') ? data.replace(/VP8\/90000/g, 'H264/90000') : data);
      };
    }, undefined);
    await join(fox, 'codec', 'fox');
    const failed = await until(
      () => fox.run(() => (window as unknown as Win).log.find((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21908)?.p as { errMsg: string } | undefined, undefined),
      'onRtcStateChanged 21908',
    );
    assert.match(failed.errMsg, /media failed: answer does not receive video \(mid 1: port 0\)/);
    assert.deepEqual(await lastList(fox, 'onRtcVideoMembersChanged'), []);
  });
});
