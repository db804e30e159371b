// Pages on a server process's own origin (it serves the SDK, not the test pages): the SDK loaded,
// a context on window.ctx, every SDK event in window.log, window.dropSignal() closing the SDK's
// WebSocket as a network change would; and small probes of what a page shows.
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { BENCH_APP } from '../../bench/lib/server-process.ts';
import type { TestBrowser } from './browser.ts';
import { EVENTS } from './sdk-page.ts';

/** What a page logged. */
export type Log = { ev: string; p: { errNo?: number; errMsg?: string; userIdList?: string[]; data?: { connection?: string } }; t: number }[];

/** Every SDK event `page` logged so far. */
export const logOf = (page: Page): Promise<Log> => page.evaluate(() => (window as unknown as { log: Log }).log);

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `createRtcRoomContext` options a test page may set. */
export interface PageContextOptions {
  simulcast?: boolean;
  iceTransportPolicy?: 'all' | 'relay';
}

/** The selected candidate pair of each open media connection of `page`: candidate types and the relay's protocol to the TURN server. */
export function selectedPairs(page: Page): Promise<{ local: string; remote: string; relayProtocol: string | undefined }[]> {
  return page.evaluate(async () => {
    const out: { local: string; remote: string; relayProtocol: string | undefined }[] = [];
    for (const pc of (window as unknown as { pcs: RTCPeerConnection[] }).pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      let pairId: string | undefined;
      stats.forEach((r: Record<string, unknown>) => {
        byId.set(r.id as string, r);
        if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId as string;
      });
      const pair = pairId ? byId.get(pairId) : undefined;
      if (!pair) continue;
      const local = byId.get(pair.localCandidateId as string);
      const remote = byId.get(pair.remoteCandidateId as string);
      out.push({ local: String(local?.candidateType), remote: String(remote?.candidateType), relayProtocol: local?.relayProtocol as string | undefined });
    }
    return out;
  });
}

/**
 * A page on the server's origin with the SDK, a context on `window.ctx`, events in `window.log`,
 * `window.dropSignal()` closing the SDK's WebSocket as a network change would, and
 * `window.holdSignal(ms)` doing so and failing every new socket for `ms` (signaling down a while).
 */
export async function openPage(tb: TestBrowser, url: string, contextOptions: PageContextOptions = {}): Promise<Page> {
  const context = await tb.browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const sockets: WebSocket[] = [];
    const Native = window.WebSocket;
    // until then, a new socket fails as it opens (the signaling path is down)
    let heldUntil = 0;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
        if (performance.now() < heldUntil) this.close();
      }
    } as typeof WebSocket;
    const dropSignal = () => sockets.filter((s) => s.readyState === 1).forEach((s) => s.close(4000, 'network changed'));
    const holdSignal = (ms: number) => {
      heldUntil = performance.now() + ms;
      dropSignal();
    };
    Object.assign(window, { dropSignal, holdSignal });
    // every media connection the SDK makes, for `selectedPairs`
    const pcs: RTCPeerConnection[] = [];
    const NativePc = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends NativePc {
      constructor(config?: RTCConfiguration) {
        super(config);
        pcs.push(this);
      }
    } as typeof RTCPeerConnection;
    Object.assign(window, { pcs });
  });
  await page.goto(`${url}/healthz`);
  await page.evaluate(
    async ({ appId, events, contextOptions }) => {
      const sdk = (await import('/sdk/rtcroom.js' as string)) as { createRtcRoomContext(o: { appId: string }): Record<string, (cb: (p: unknown) => void) => void> };
      const log: { ev: string; p: unknown; t: number }[] = [];
      const ctx = sdk.createRtcRoomContext({ appId, ...contextOptions });
      for (const ev of events) ctx[ev]!((p) => log.push({ ev, p, t: performance.now() }));
      Object.assign(window, { sdk, ctx, log });
    },
    { appId: BENCH_APP.appId, events: [...EVENTS], contextOptions },
  );
  return page;
}

/** Frames decoded so far of the `<rtc-room>` showing `userId`'s camera (the element is made on first call). */
export function framesOf(page: Page, userId: string): Promise<number> {
  return page.evaluate((id) => {
    let el = document.querySelector(`rtc-room[user-id="${id}"]`) as (HTMLElement & { videoElement: HTMLVideoElement }) | null;
    if (!el) {
      el = document.createElement('rtc-room') as HTMLElement & { videoElement: HTMLVideoElement };
      el.setAttribute('user-id', id);
      el.setAttribute('mode', 'video');
      document.body.append(el);
    }
    return el.videoElement.getVideoPlaybackQuality().totalVideoFrames;
  }, userId);
}

