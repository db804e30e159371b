/**
 * One subscriber's downlink: what its page shows of each remote video (adaptive stream), its
 * estimated bandwidth, and the allocation of that bandwidth across the tracks it receives
 * (`simulcast/allocator.ts`), applied to its consumers as target layers or pauses. The router
 * runs {@link Downlink.update} a few times a second and whenever the views change.
 * @module
 */
import type { Allocation, LayerInfo, TrackAllocation, TrackInput, Viewport } from './simulcast/allocator.ts';
import { Allocator, unconstrainedBps } from './simulcast/allocator.ts';
import type { Consumer } from './consumer.ts';
import { mediaCounts } from './metrics.ts';

/** How long a track must want a lower layer before it steps down, unless the drop is severe (ms). */
const STEP_DOWN_AFTER_MS = 1000;
/** An estimate below this share of what was being sent steps down at once. */
const SEVERE_DROP = 0.75;
/** An estimate below this share of what is sent pauses video at once. */
const PAUSE_AT_ONCE_BELOW = 0.5;
/** How long the estimate must stay below a playing video's lowest layer before it is paused (ms). */
const PAUSE_AFTER_MS = 3000;
/** Share of the estimate the allocator may use (the estimate already sits at or below capacity). */
const HEADROOM = 0.95;
/** Probes may go this far above what the member would receive on an unlimited link. */
const DESIRED_FACTOR = 1.5;
/**
 * A member whose last round changed nothing and left nothing pending, with an estimate that
 * carries everything it receives, gets a full round at least this often (ms; the layers'
 * bitrates, and so what it would receive, drift).
 */
const QUIET_ROUND_MS = 1000;
/**
 * A settled member's next full round comes up to this share of {@link QUIET_ROUND_MS} later, drawn
 * at each round: members whose rounds once ran in the same turn (a change that reached them all)
 * drift apart, instead of running together every second (at 200 subscribers ~5 ms in one turn).
 */
const QUIET_SPREAD = 0.75;

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
  // the estimate already sits at or below the link's capacity: little headroom on top of it
  readonly #allocator = new Allocator({ headroom: HEADROOM });
  /** Estimated downlink (bps); unknown until the estimator runs. */
  estimateBps = Number.POSITIVE_INFINITY;
  /** What the member would receive on an unlimited link (bps). */
  desiredBps = 0;
  /** Whether some video is paused because the estimate cannot carry it. */
  pausedForBandwidth = false;
  /** Since when the estimate has been too low for some playing video (performance.now()). */
  #lowSince: number | undefined;
  /** Since when each track has wanted a lower layer (performance.now()). */
  readonly #downSince = new Map<string, number>();
  /** What the last round left being sent (bps): the allocation, with the step downs it held back at their old layers. */
  #lastUsedBps = 0;
  /** The consumers of the last round, when it ran, and whether it left the member settled (see {@link quiet}). */
  #roundConsumers: Consumer[] = [];
  #roundAt = -Infinity;
  /** How long the last round leaves the member quiet (ms; see {@link QUIET_SPREAD}). */
  #quietForMs = QUIET_ROUND_MS;
  #settled = false;
  readonly #random: () => number;

  /** @param random a source of numbers in [0, 1) for the spread of quiet rounds (tests fix it) */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }
  /** Whether the last round received video. */
  #roundVideo = false;

  /** Records what the page shows; a hidden, zero-sized view counts as no view once reported. */
  setViews(views: readonly ViewReport[]): void {
    for (const v of views) this.#views.set(`${v.userId}/${v.source}`, { width: v.width, height: v.height, visible: v.visible });
    this.#settled = false;
  }

  /**
   * Whether a round now would change nothing, so the periodic one can be skipped: the last round
   * (less than {@link QUIET_ROUND_MS} to 1.75 times that ago, on the same consumers) changed no target and left no
   * step down, pause or upgrade waiting, and the estimate carries all the member would receive
   * on an unlimited link (a member receiving only audio: nothing to carry, audio is never
   * paused). A round per member four times a second was, at 200 subscribers of one publisher,
   * about half of what the server allocated per forwarded packet.
   */
  quiet(consumers: ReadonlyMap<string, Consumer>, nowMs: number): boolean {
    if (!this.#settled || nowMs - this.#roundAt >= this.#quietForMs) return false;
    if (this.#roundVideo && !(this.estimateBps >= this.desiredBps)) return false;
    const last = this.#roundConsumers;
    if (consumers.size !== last.length) return false;
    let i = 0;
    for (const c of consumers.values()) if (c !== last[i++]) return false;
    return true;
  }

  /** Notes a round that ran: on which consumers, and whether it left the member settled. */
  #ran(list: readonly [string, Consumer][], nowMs: number, video: boolean, settled: boolean): void {
    this.#roundConsumers = list.map(([, c]) => c);
    this.#roundAt = nowMs;
    this.#quietForMs = QUIET_ROUND_MS * (1 + QUIET_SPREAD * this.#random());
    this.#roundVideo = video;
    this.#settled = settled;
  }

  /**
   * Allocates and applies. `consumers`: what the member receives now; `isSpeaking`: whether a
   * user is an active speaker (their camera ranks above other cameras). Returns the allocation.
   */
  update(consumers: Iterable<[string, Consumer]>, isSpeaking: (userId: string) => boolean, nowMs = performance.now()): Allocation {
    const list = [...consumers];
    if (list.every(([, c]) => c.producer.kind === 'audio')) return this.#audioOnly(list, nowMs);
    const tracks: TrackInput[] = [];
    const byId = new Map<string, Consumer>();
    const layersOf = new Map<string, readonly LayerInfo[]>();
    for (const [key, c] of list) {
      const p = c.producer;
      byId.set(key, c);
      c.viewport = this.#views.get(key);
      const layers = p.layerInfo(nowMs);
      layersOf.set(key, layers);
      tracks.push({
        id: key,
        kind: p.kind,
        source: p.source,
        isScreen: p.source === 'screen',
        isActiveSpeaker: p.kind === 'video' && isSpeaking(p.userId),
        layers,
        viewport: this.#views.get(key),
      });
    }
    const a = this.#allocator.update(this.estimateBps, tracks, nowMs);
    // what the member would receive with no bandwidth limit, with room for the allocator's
    // upgrade margin and headroom: probes go up to that
    this.desiredBps = DESIRED_FACTOR * unconstrainedBps(tracks);
    // audio-only is the last resort: video playing keeps its lowest layer until the estimate has
    // stayed too low for PAUSE_AFTER_MS (a burst of delay after a keyframe often cuts the
    // estimate for a moment, and a pause would starve the estimator of the traffic to recover)
    const wantsPause = a.tracks.some((t) => t.pausedForBandwidth && (byId.get(t.id)?.targetLayer ?? -1) >= 0);
    if (!wantsPause) this.#lowSince = undefined;
    else this.#lowSince ??= nowMs;
    // ... unless the estimate is far below what is sent: holding on then only floods the link
    // (and the signaling connection with it)
    const farBelow = this.estimateBps < PAUSE_AT_ONCE_BELOW * this.#lastUsedBps;
    const hold = !farBelow && this.#lowSince !== undefined && nowMs - this.#lowSince < PAUSE_AFTER_MS;
    // a mild dip (one AIMD cut, a burst of jitter) must not cost a layer switch (each is a freeze
    // until the new layer's keyframe): a step down waits STEP_DOWN_AFTER_MS unless the estimate
    // fell well below what was being sent
    const severe = this.estimateBps < SEVERE_DROP * this.#lastUsedBps;
    let paused = false;
    let changed = false;
    // what is sent once this round's targets apply: a step down held back keeps the old layer's
    // rate on the link, and the next cut must be judged against that, not the allocation
    let sendingBps = 0;
    for (const t of a.tracks) {
      const c = byId.get(t.id);
      if (!c || c.producer.kind !== 'video') {
        sendingBps += t.expectedBps;
        continue;
      }
      let target = t.target === 'paused' ? -1 : t.target;
      if (t.pausedForBandwidth && hold && c.targetLayer >= 0) target = 0;
      else if (t.pausedForBandwidth) paused = true;
      if (target >= 0 && target < c.targetLayer && !severe) {
        const since = this.#downSince.get(t.id) ?? nowMs;
        this.#downSince.set(t.id, since);
        if (nowMs - since < STEP_DOWN_AFTER_MS) target = c.targetLayer;
      } else this.#downSince.delete(t.id);
      if (target !== c.targetLayer) {
        c.setTargetLayer(target);
        changed = true;
      }
      if (target >= 0) sendingBps += target === t.target ? t.expectedBps : (layersOf.get(t.id)?.find((l) => l.index === target)?.bitrateBps ?? 0);
    }
    for (const id of this.#downSince.keys()) if (!byId.has(id)) this.#downSince.delete(id);
    this.#lastUsedBps = sendingBps;
    if (paused && !this.pausedForBandwidth) mediaCounts.bandwidthPauses++;
    this.pausedForBandwidth = paused;
    this.#ran(list, nowMs, true, !changed && !paused && this.#lowSince === undefined && this.#downSince.size === 0 && !this.#allocator.upgrading);
    return a;
  }

  /**
   * {@link Downlink.update} for a member that receives no video (a listener of an audio room): the
   * same outcome without running the allocator, which a few times a second per listener is a
   * cost that grows with the room. Audio is never paused or layered: each track gets its best
   * layer at its measured rate, nothing is paused, and the allocator's video history is dropped
   * as a round without video would drop it.
   */
  #audioOnly(consumers: readonly [string, Consumer][], nowMs: number): Allocation {
    const tracks: TrackAllocation[] = [];
    let usedBps = 0;
    for (const [key, c] of consumers) {
      c.viewport = this.#views.get(key);
      // the producer's layer info is shared by every listener of this round
      let best: LayerInfo | undefined;
      for (const l of c.producer.layerInfo(nowMs)) if (!best || l.bitrateBps > best.bitrateBps) best = l;
      const expectedBps = best?.bitrateBps ?? 0;
      usedBps += expectedBps;
      tracks.push({ id: key, kind: 'audio', target: best?.index ?? 0, expectedBps, pausedForBandwidth: false, pauseReason: null });
    }
    this.#allocator.reset();
    this.#lowSince = undefined;
    this.#downSince.clear();
    this.desiredBps = DESIRED_FACTOR * usedBps;
    this.#lastUsedBps = usedBps;
    this.pausedForBandwidth = false;
    this.#ran(consumers, nowMs, false, true);
    return { tracks, budgetBps: Math.max(0, this.estimateBps) * HEADROOM, usedBps, anyPausedForBandwidth: false };
  }
}
