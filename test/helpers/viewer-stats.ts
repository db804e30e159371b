// What a viewer page receives of one remote camera, sampled from its SDK's getStats(): the
// decoded width, frames and per-kind packets and bytes; and a sampler over a window (longest
// freeze, freezes, when a width goal was reached, received bitrate). Shared by the adaptive-link
// test and the `adapt` benchmark.
import type { Page } from 'playwright-core';

/** One sample of a viewer's inbound stats. */
export interface ViewerStats {
  width: number;
  frames: number;
  video: number;
  audio: number;
  /** Payload bytes received, all kinds. */
  bytes: number;
}

/** The viewer's inbound stats now. */
export function viewerStats(page: Page): Promise<ViewerStats> {
  return page.evaluate(async () => {
    const s = await (window as unknown as { ctx: { getStats(): Promise<{ subscriber?: Map<string, unknown> }> } }).ctx.getStats();
    const r = { width: 0, frames: 0, video: 0, audio: 0, bytes: 0 };
    s.subscriber?.forEach((v) => {
      const x = v as { type: string; kind?: string; frameWidth?: number; framesDecoded?: number; packetsReceived?: number; bytesReceived?: number };
      if (x.type !== 'inbound-rtp') return;
      r.bytes += x.bytesReceived ?? 0;
      if (x.kind === 'audio') r.audio += x.packetsReceived ?? 0;
      if (x.kind !== 'video') return;
      r.width = x.frameWidth ?? r.width;
      r.frames += x.framesDecoded ?? 0;
      r.video += x.packetsReceived ?? 0;
    });
    return r;
  });
}

/** What {@link watchViewer} saw. */
export interface WatchResult {
  /** Longest time without a new decoded frame (ms). */
  longestFreezeMs: number;
  /** Gaps of 500 ms or more without a new frame, and their total (ms). */
  freezes: number;
  freezeMs: number;
  /** When the width first met the goal (ms from the start; -1: never). */
  reachedMs: number;
  /** When the width last started to meet the goal and kept meeting it to the end (-1: it did not at the end). */
  settledMs: number;
  /** The width at the end. */
  width: number;
  /** Received bitrate over the second half of the window (bps). */
  bps: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples `page` every 100 ms for `ms`. */
export async function watchViewer(page: Page, ms: number, goal: (width: number) => boolean): Promise<WatchResult> {
  const t0 = performance.now();
  let last = await viewerStats(page);
  let lastFrameAt = t0;
  let longest = 0;
  let freezes = 0;
  let freezeMs = 0;
  let inFreeze = false;
  let reached = goal(last.width) ? 0 : -1;
  let settled = reached;
  let half: { t: number; bytes: number } | undefined;
  while (performance.now() - t0 < ms) {
    await sleep(100);
    const now = performance.now();
    const s = await viewerStats(page);
    if (s.frames > last.frames) {
      if (inFreeze) freezeMs += now - lastFrameAt;
      inFreeze = false;
      lastFrameAt = now;
    } else if (!inFreeze && now - lastFrameAt >= 500) {
      inFreeze = true;
      freezes++;
    }
    longest = Math.max(longest, now - lastFrameAt);
    if (goal(s.width)) {
      if (reached < 0) reached = now - t0;
      if (settled < 0) settled = now - t0;
    } else settled = -1;
    if (!half && now - t0 >= ms / 2) half = { t: now, bytes: s.bytes };
    last = s;
  }
  if (inFreeze) freezeMs += performance.now() - lastFrameAt;
  const end = performance.now();
  const bps = half ? ((last.bytes - half.bytes) * 8000) / Math.max(1, end - half.t) : 0;
  return { longestFreezeMs: Math.round(longest), freezes, freezeMs: Math.round(freezeMs), reachedMs: Math.round(reached), settledMs: Math.round(settled), width: last.width, bps: Math.round(bps) };
}

/** Captures camera and microphone on `page` and joins `roomId` as `userId`. */
export function joinPublishing(page: Page, roomId: string, userId: string, token: string): Promise<void> {
  return page.evaluate(
    async ({ roomId, userId, token }) => {
      const ctx = (window as unknown as { ctx: Record<string, (o: object) => Promise<unknown>> }).ctx;
      await ctx.changeVideoCapture!({ state: 1 });
      await ctx.changeAudioCapture!({ state: 1 });
      await ctx.joinRtcRoom!({ roomId, userId, token });
    },
    { roomId, userId, token },
  );
}

/** Shows `publisher`'s camera on `page` in a `width`×`height` tile, then joins `roomId` as `userId`. */
export function joinWatching(page: Page, roomId: string, userId: string, token: string, publisher: string, width: number, height: number): Promise<void> {
  return page.evaluate(
    async ({ roomId, userId, token, publisher, width, height }) => {
      const el = document.createElement('rtc-room');
      el.setAttribute('user-id', publisher);
      el.setAttribute('mode', 'video');
      el.style.width = `${width}px`;
      el.style.height = `${height}px`;
      document.body.append(el);
      await (window as unknown as { ctx: { joinRtcRoom(o: object): Promise<unknown> } }).ctx.joinRtcRoom({ roomId, userId, token });
    },
    { roomId, userId, token, publisher, width, height },
  );
}
