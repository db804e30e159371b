// A browser page with the SDK loaded and a context on window.ctx; every SDK event is logged in window.log.
import type { Page } from 'playwright-core';
import type { TestBrowser } from './browser.ts';

/** Makes `page` record the title of every `tt.showToast` it shows, in `window.toasts`. */
export async function recordToasts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const toasts: string[] = [];
    (window as unknown as { toasts: string[] }).toasts = toasts;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLElement && n.classList.contains('rtcroom-toast')) toasts.push(n.querySelector('.title')?.textContent ?? '');
    }).observe(document, { childList: true, subtree: true });
  });
}

/** The toasts `page` showed so far (see {@link recordToasts}). */
export function toastsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { toasts: string[] }).toasts);
}

/** Events a test page records. */
export const EVENTS = [
  'onRtcChatMembersChanged',
  'onRtcVideoMembersChanged',
  'onRtcChatSpeakersChanged',
  'onRtcActiveSpeakersChanged',
  'onRtcPublishScreenMembersChanged',
  'onRtcChatInterrupted',
  'onRtcStateChanged',
] as const;

/** Opens `${url}/blank.html` in a new context, loads the ESM SDK and creates a context. */
export async function openSdkPage(
  tb: TestBrowser,
  url: string,
  appId: string,
  opts: { permissions?: string[]; contextOptions?: Record<string, unknown> } = {},
): Promise<Page> {
  const context = await tb.browser.newContext({ permissions: opts.permissions ?? ['camera', 'microphone'] });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${url}/blank.html`);
  await page.evaluate(
    async ({ appId, events, extra }) => {
      const src = '/sdk/rtcroom.js';
      const sdk = (await import(src)) as { createRtcRoomContext(o: { appId: string }): Record<string, (cb: (p: unknown) => void) => void> };
      const log: { ev: string; p: unknown; t: number }[] = [];
      const ctx = sdk.createRtcRoomContext({ appId, ...extra });
      for (const ev of events) ctx[ev]!((p) => log.push({ ev, p, t: performance.now() }));
      Object.assign(window, { sdk, ctx, log });
    },
    { appId, events: [...EVENTS], extra: opts.contextOptions ?? {} },
  );
  return page;
}

/** The latest list an event delivered on `page`. */
export function lastList(page: Page, ev: (typeof EVENTS)[number]): Promise<string[] | undefined> {
  return page.evaluate((ev) => {
    const log = (window as unknown as { log: { ev: string; p: { userIdList: string[] } }[] }).log;
    return log.filter((e) => e.ev === ev).at(-1)?.p.userIdList;
  }, ev);
}

/** Polls `fn` until it returns true-ish or `timeoutMs` passes; returns the last value. */
export async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 10_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  } while (Date.now() < deadline);
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
}

/** Waits until the latest list of `ev` equals `want`. */
export async function waitList(page: Page, ev: (typeof EVENTS)[number], want: string[], timeoutMs = 10_000): Promise<void> {
  await until(async () => JSON.stringify(await lastList(page, ev)) === JSON.stringify(want), `${ev} = ${JSON.stringify(want)}`, timeoutMs);
}

/** Runs in the page: adds `<rtc-room id=… user-id=… mode=…>` to the document (pass it to `evaluate`). */
export function mountRoomView({ id, userId, mode }: { id: string; userId: string; mode: string }): void {
  const el = document.createElement('rtc-room');
  el.id = id;
  el.setAttribute('user-id', userId);
  el.setAttribute('mode', mode);
  document.body.append(el);
}

/** Turns on the page's microphone and/or camera (as asked), then joins `roomId` as `userId` with `token`. */
export async function captureAndJoin(page: Page, roomId: string, userId: string, token: string, capture: { audio?: boolean; video?: boolean } = { audio: true, video: true }): Promise<void> {
  await page.evaluate(
    async ({ roomId, userId, token, audio, video }) => {
      const ctx = (window as unknown as { ctx: Record<string, (o: object) => Promise<unknown>> }).ctx;
      if (audio) await ctx.changeAudioCapture!({ state: 1 });
      if (video) await ctx.changeVideoCapture!({ state: 1 });
      await ctx.joinRtcRoom!({ roomId, userId, token });
    },
    { roomId, userId, token, audio: capture.audio ?? false, video: capture.video ?? false },
  );
}

/** Shows `userId`'s camera in a `<rtc-room id=userId>` of `width`×`height` CSS pixels (made on first call). */
export function showTile(page: Page, userId: string, width: number, height: number): Promise<void> {
  return page.evaluate(
    ({ userId, width, height }) => {
      let el = document.getElementById(userId) as HTMLElement | null;
      if (!el) {
        el = document.createElement('rtc-room');
        el.id = userId;
        el.setAttribute('user-id', userId);
        el.setAttribute('mode', 'video');
        document.body.append(el);
      }
      el.style.display = 'block';
      el.style.width = `${width}px`;
      el.style.height = `${height}px`;
    },
    { userId, width, height },
  );
}
