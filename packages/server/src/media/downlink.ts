/**
 * One subscriber's downlink: what its page shows of each remote video (adaptive stream), its
 * estimated bandwidth, and the allocation of that bandwidth across the tracks it receives
 * (`simulcast/allocator.ts`), applied to its consumers as target layers or pauses. The router
 * runs {@link Downlink.update} a few times a second and whenever the views change.
 * @module
 */
import type { Allocation, TrackInput, Viewport } from './simulcast/allocator.ts';
import { allocate, Allocator } from './simulcast/allocator.ts';
import type { Consumer } from './consumer.ts';

/** How long the estimate must stay below a playing video's lowest layer before it is paused (ms). */
const PAUSE_AFTER_MS = 3000;
/** Probes may go this far above what the member would receive on an unlimited link. */
const DESIRED_FACTOR = 1.5;

/** What the page shows of one remote video (`setViews`). */
export interface ViewReport {
  userId: string;
  source: 'video' | 'screen';
  width: number;
  height: number;
  visible: boolean;
}

/** The downlink of one subscribing member. */
export class Downlink {
  /** Rendered tiles by `userId/source`. */
  readonly #views = new Map<string, Viewport>();
  readonly #allocator = new Allocator();
  /** Estimated downlink (bps); unknown until the estimator runs. */
  estimateBps = Number.POSITIVE_INFINITY;
  /** What the member would receive on an unlimited link (bps). */
  desiredBps = 0;
  /** Whether some video is paused because the estimate cannot carry it. */
  pausedForBandwidth = false;
  /** Since when the estimate has been too low for some playing video (performance.now()). */
  #lowSince: number | undefined;

  /** Records what the page shows; a hidden, zero-sized view counts as no view once reported. */
  setViews(views: readonly ViewReport[]): void {
    for (const v of views) this.#views.set(`${v.userId}/${v.source}`, { width: v.width, height: v.height, visible: v.visible });
  }

  /**
   * Allocates and applies. `consumers`: what the member receives now; `isSpeaking`: whether a
   * user is an active speaker (their camera ranks above other cameras). Returns the allocation.
   */
  update(consumers: Iterable<[string, Consumer]>, isSpeaking: (userId: string) => boolean, nowMs = performance.now()): Allocation {
    const tracks: TrackInput[] = [];
    const byId = new Map<string, Consumer>();
    for (const [key, c] of consumers) {
      const p = c.producer;
      byId.set(key, c);
      c.viewport = this.#views.get(key);
      tracks.push({
        id: key,
        kind: p.kind,
        source: p.source,
        isScreen: p.source === 'screen',
        isActiveSpeaker: p.kind === 'video' && isSpeaking(p.userId),
        layers: p.layers.map((l) => ({ index: l.index, width: l.width, height: l.height, bitrateBps: l.costBps(nowMs) })),
        viewport: this.#views.get(key),
      });
    }
    const a = this.#allocator.update(this.estimateBps, tracks, nowMs);
    // what the member would receive with no bandwidth limit, with room for the allocator's
    // upgrade margin and headroom: probes go up to that
    this.desiredBps = DESIRED_FACTOR * allocate(Number.POSITIVE_INFINITY, tracks).usedBps;
    // audio-only is the last resort: video playing keeps its lowest layer until the estimate has
    // stayed too low for PAUSE_AFTER_MS (a burst of delay after a keyframe often cuts the
    // estimate for a moment, and a pause would starve the estimator of the traffic to recover)
    const wantsPause = a.tracks.some((t) => t.pausedForBandwidth && (byId.get(t.id)?.targetLayer ?? -1) >= 0);
    if (!wantsPause) this.#lowSince = undefined;
    else this.#lowSince ??= nowMs;
    const hold = this.#lowSince !== undefined && nowMs - this.#lowSince < PAUSE_AFTER_MS;
    let paused = false;
    for (const t of a.tracks) {
      const c = byId.get(t.id);
      if (!c || c.producer.kind !== 'video') continue;
      let target = t.target === 'paused' ? -1 : t.target;
      if (t.pausedForBandwidth && hold && c.targetLayer >= 0) target = 0;
      else if (t.pausedForBandwidth) paused = true;
      if (target !== c.targetLayer) c.setTargetLayer(target);
    }
    this.pausedForBandwidth = paused;
    return a;
  }
}
