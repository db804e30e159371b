/**
 * Downlink allocation for one subscriber: splits its estimated downlink bandwidth across the
 * tracks it receives. Audio is served first at its measured rate; video tracks are then served
 * by priority (screen share, then the active speaker's camera, then other cameras; ties keep the
 * caller's order). Every video track first gets its lowest flowing layer so that as many tracks
 * as possible play, and only then do upgrades go out, again by priority. Each track is capped at
 * the smallest layer that covers its rendered tile; hidden tiles are paused.
 *
 * {@link allocate} is pure. {@link Allocator} wraps it with hysteresis (upgrade margin and hold
 * time, immediate downgrade) so that a noisy estimate does not make layers flap.
 * @module
 */

/** Media kind of a track. */
export type TrackKind = 'audio' | 'video';

/** What a track carries, as published. */
export type TrackSource = 'audio' | 'video' | 'screen' | 'screenAudio';

/** One simulcast layer (or the single encoding of a non-simulcast track). */
export interface LayerInfo {
  /** Layer id the forwarder understands (e.g. the simulcast spatial index). */
  index: number;
  /** Encoded width in pixels (0 if unknown). */
  width: number;
  /** Encoded height in pixels (0 if unknown). */
  height: number;
  /** Measured incoming rate of this layer; 0 means it is not flowing and cannot be chosen. */
  bitrateBps: number;
}

/** Rendered size of the subscriber's tile for a track, in device pixels, as reported by the SDK. */
export interface Viewport {
  /** Tile width in device pixels. */
  width: number;
  /** Tile height in device pixels. */
  height: number;
  /** False when the tile is off screen or collapsed; the track is then paused. */
  visible: boolean;
}

/** One track the subscriber receives, as the allocator sees it. */
export interface TrackInput {
  /** Stable id of the track (unique within the subscriber). */
  id: string;
  /** Audio tracks are never paused; video tracks take part in the layer allocation. */
  kind: TrackKind;
  /** Published source. `'screen'` counts as a screen share like {@link TrackInput.isScreen}. */
  source: TrackSource;
  /** Priority hint: screen share (highest video priority). */
  isScreen: boolean;
  /** Priority hint: the track belongs to the current active speaker. */
  isActiveSpeaker: boolean;
  /** Available layers, in any order; they are ranked by pixel area, then by index. */
  layers: readonly LayerInfo[];
  /** Rendered tile; `undefined` means unknown, so the track is not capped. */
  viewport: Viewport | undefined;
}

/** Why a video track is paused. */
export type PauseReason = 'bandwidth' | 'hidden';

/** The decision for one track. */
export interface TrackAllocation {
  /** Id of the track. */
  id: string;
  /** Kind of the track. */
  kind: TrackKind;
  /** Layer index to forward, or `'paused'` (video only). */
  target: number | 'paused';
  /** Rate the track is expected to use at that target (0 when paused or nothing flows). */
  expectedBps: number;
  /** True when the track is paused because the estimate cannot carry its lowest layer. */
  pausedForBandwidth: boolean;
  /** Why the track is paused, or `null` when it is not. */
  pauseReason: PauseReason | null;
}

/** Result of one allocation round. */
export interface Allocation {
  /** One entry per input track, in input order. */
  tracks: TrackAllocation[];
  /** Usable budget: the estimate times the headroom factor. */
  budgetBps: number;
  /** Sum of {@link TrackAllocation.expectedBps} (may exceed the budget when audio alone does). */
  usedBps: number;
  /** At least one video track is paused for bandwidth (the app may show an audio-only notice). */
  anyPausedForBandwidth: boolean;
}

/** Options of {@link allocate}. */
export interface AllocateOptions {
  /** Share of the estimate that may be used; default 0.9. */
  headroom?: number;
  /** Previous round, used only to keep a track's target while none of its layers flows. */
  previous?: Allocation;
}

/** Options of {@link Allocator}. */
export interface AllocatorOptions {
  /** Share of the estimate that may be used; default 0.9. */
  headroom?: number;
  /** An upgrade needs the new layer's bitrate times this to fit; default 1.1. */
  upgradeMargin?: number;
  /** An upgrade that fits without the margin goes through once it has fitted this long; default 2000 ms. */
  holdMs?: number;
}

const DEFAULT_HEADROOM = 0.9, DEFAULT_MARGIN = 1.1, DEFAULT_HOLD_MS = 2000;

/** Hysteresis for one round: layers above the previous one must fit `margin` times over, except for `released` tracks (hold elapsed). */
interface Gate { margin: number; released: ReadonlySet<string> }

/** Working state of one video track during a round. */
interface VideoWork {
  track: TrackInput; order: number; priority: number; out: TrackAllocation;
  /** Flowing layers the track may use, ascending, with their rank in the full layer list. */
  candidates: { layer: LayerInfo; rank: number }[];
  /** Rank at or below which no upgrade margin applies (-1: paused, every layer is an upgrade). */
  freeRank: number;
  /** Position in `candidates`; -1 = nothing yet (paused). */
  chosen: number;
}

/** A track's layers by size, and those of them that flow (bitrate > 0) with their rank. */
interface Ladder {
  readonly ranked: readonly LayerInfo[];
  readonly flowing: readonly { layer: LayerInfo; rank: number }[];
}

/**
 * Ladders by layer list. A producer hands every subscriber of an allocation round the same
 * list (`Producer.layerInfo`), never changed after: its ladder is sorted once per round, not
 * in each of the three runs of each subscriber's round.
 */
const ladders = new WeakMap<readonly LayerInfo[], Ladder>();

function ladderOf(layers: readonly LayerInfo[]): Ladder {
  let ladder = ladders.get(layers);
  if (!ladder) {
    const ranked = [...layers].sort((a, b) => a.width * a.height - b.width * b.height || a.index - b.index);
    ladder = { ranked, flowing: ranked.map((layer, rank) => ({ layer, rank })).filter((c) => c.layer.bitrateBps > 0) };
    ladders.set(layers, ladder);
  }
  return ladder;
}

function rankLayers(layers: readonly LayerInfo[]): readonly LayerInfo[] {
  return ladderOf(layers).ranked;
}

/** Rank of the smallest layer covering the tile (top layer when none does or the tile is unknown). */
function capRank(ranked: readonly LayerInfo[], viewport: Viewport | undefined): number {
  const top = ranked.length - 1;
  if (!viewport) return top;
  const i = ranked.findIndex((l) => l.width >= viewport.width && l.height >= viewport.height);
  return i < 0 ? top : i;
}

/**
 * The layer index a tile of `viewport` needs at most: the smallest layer covering it (the top
 * layer when none does, the size of a layer is unknown, or the tile is); -1 for a hidden tile.
 * With a size unknown the top is the last layer announced (they come lowest first): ranked by
 * size, a layer that never sent would sort below the others, and a top layer paused before its
 * first frame would never be asked for again.
 */
export function viewCap(layers: readonly LayerInfo[], viewport: Viewport | undefined): number {
  if (viewport && !viewport.visible) return -1;
  const ranked = rankLayers(layers);
  if (ranked.length === 0) return -1;
  if (ranked.some((l) => l.width === 0 || l.height === 0)) return Math.max(...layers.map((l) => l.index));
  return ranked[capRank(ranked, viewport)]!.index;
}

function videoPriority(t: TrackInput): number {
  if (t.isScreen || t.source === 'screen') return 2;
  return t.isActiveSpeaker ? 1 : 0;
}

function run(estimateBps: number, tracks: readonly TrackInput[], headroom: number, previous: Allocation | undefined, gate: Gate | undefined): Allocation {
  const budgetBps = Math.max(0, estimateBps) * headroom;
  let remaining = budgetBps;
  const prev = new Map(previous?.tracks.map((a) => [a.id, a]));
  const outs: TrackAllocation[] = [], video: VideoWork[] = [];

  tracks.forEach((track, order) => {
    const out: TrackAllocation = { id: track.id, kind: track.kind, target: 'paused', expectedBps: 0, pausedForBandwidth: false, pauseReason: null };
    outs.push(out);
    if (track.kind === 'audio') {
      // Audio is never paused; it is charged at its measured rate even past the budget.
      const best = track.layers.reduce<LayerInfo | undefined>((b, l) => (!b || l.bitrateBps > b.bitrateBps ? l : b), undefined);
      out.target = best?.index ?? 0;
      out.expectedBps = best?.bitrateBps ?? 0;
      remaining -= out.expectedBps;
      return;
    }
    if (track.viewport && !track.viewport.visible) {
      out.pauseReason = 'hidden';
      return;
    }
    const { ranked, flowing } = ladderOf(track.layers);
    const before = prev.get(track.id);
    if (flowing.length === 0) {
      // Nothing to measure: keep what was decided before (a paused-for-bandwidth track stays
      // paused), else start at the lowest layer so the first keyframe gets through. Costs nothing.
      if (before && before.pauseReason !== 'hidden') {
        out.target = before.target;
        out.pausedForBandwidth = before.pausedForBandwidth;
        out.pauseReason = before.pauseReason;
      } else {
        out.target = ranked[0]?.index ?? 0;
      }
      return;
    }
    const cap = capRank(ranked, track.viewport);
    let candidates = flowing.filter((c) => c.rank <= cap);
    if (candidates.length === 0) candidates = flowing.slice(0, 1); // only larger layers flow: take the smallest
    let freeRank = candidates[0]?.rank ?? 0; // a new track starts at its lowest layer without margin
    if (before?.pauseReason === 'bandwidth') freeRank = -1;
    else if (typeof before?.target === 'number') {
      const r = ranked.findIndex((l) => l.index === before.target);
      if (r >= 0) freeRank = r;
    }
    video.push({ track, order, priority: videoPriority(track), candidates, freeRank, chosen: -1, out });
  });

  video.sort((a, b) => b.priority - a.priority || a.order - b.order);
  const factor = (w: VideoWork, rank: number) => (gate && rank > w.freeRank && !gate.released.has(w.track.id) ? gate.margin : 1);

  // Pass 1: the lowest layer for every track that can carry it, by priority.
  for (const w of video) {
    const low = w.candidates[0];
    if (low && remaining >= low.layer.bitrateBps * factor(w, low.rank)) {
      w.chosen = 0;
      remaining -= low.layer.bitrateBps;
    }
  }
  // Pass 2: by priority, move each playing track to the best layer the rest of the budget carries.
  for (const w of video) {
    const cur = w.candidates[w.chosen];
    if (!cur) continue;
    const charged = cur.layer.bitrateBps;
    for (let i = w.candidates.length - 1; i > w.chosen; i--) {
      const c = w.candidates[i];
      if (c && remaining + charged >= c.layer.bitrateBps * factor(w, c.rank)) {
        w.chosen = i;
        remaining += charged - c.layer.bitrateBps;
        break;
      }
    }
  }
  for (const w of video) {
    const c = w.candidates[w.chosen];
    if (c) {
      w.out.target = c.layer.index;
      w.out.expectedBps = c.layer.bitrateBps;
    } else {
      w.out.pausedForBandwidth = true;
      w.out.pauseReason = 'bandwidth';
    }
  }
  const usedBps = outs.reduce((s, a) => s + a.expectedBps, 0);
  return { tracks: outs, budgetBps, usedBps, anyPausedForBandwidth: outs.some((a) => a.pausedForBandwidth) };
}

/**
 * What the tracks would use with no bandwidth limit: `allocate(Infinity, tracks).usedBps`
 * without running the allocation (every visible video its best flowing layer the tile needs,
 * every audio its measured rate).
 */
export function unconstrainedBps(tracks: readonly TrackInput[]): number {
  // indexed loops: this runs for every subscriber four times a second
  let sum = 0;
  for (let i = 0; i < tracks.length; i++) {
    const t = tracks[i]!;
    if (t.kind === 'audio') {
      let best = 0;
      for (let j = 0; j < t.layers.length; j++) best = Math.max(best, t.layers[j]!.bitrateBps);
      sum += best;
      continue;
    }
    if (t.viewport && !t.viewport.visible) continue;
    const { ranked, flowing } = ladderOf(t.layers);
    if (flowing.length === 0) continue;
    const cap = capRank(ranked, t.viewport);
    let top = flowing[0]!;
    for (let j = 1; j < flowing.length; j++) if (flowing[j]!.rank <= cap) top = flowing[j]!;
    sum += top.layer.bitrateBps;
  }
  return sum;
}

/**
 * Allocates a subscriber's downlink estimate across its tracks, without hysteresis.
 * @param estimateBps estimated downlink of the subscriber, in bits per second
 * @param tracks the subscriber's tracks; their order breaks priority ties
 * @param options headroom and the previous round (for tracks none of whose layers flows)
 */
export function allocate(estimateBps: number, tracks: readonly TrackInput[], options: AllocateOptions = {}): Allocation {
  return run(estimateBps, tracks, options.headroom ?? DEFAULT_HEADROOM, options.previous, undefined);
}

/** Target as a rank in the track's layer ladder (-1 when paused or unknown), for comparisons. */
function targetRank(track: TrackInput | undefined, a: TrackAllocation | undefined): number {
  if (!track || !a || typeof a.target !== 'number') return -1;
  const target = a.target;
  return rankLayers(track.layers).findIndex((l) => l.index === target);
}

/**
 * Stateful allocator for one subscriber: {@link allocate} plus hysteresis. An upgrade (including
 * resuming a paused track) happens only when the new layer's bitrate times the upgrade margin fits,
 * or when it has fitted without the margin on every call for the hold time. A downgrade happens
 * as soon as the budget no longer carries the current layer.
 */
export class Allocator {
  readonly #headroom: number;
  readonly #margin: number;
  readonly #holdMs: number;
  #last: Allocation | undefined;
  /** Since when each track has continuously wanted an upgrade that the margin held back. */
  readonly #wantSince = new Map<string, number>();

  /** @param options headroom, upgrade margin and hold time */
  constructor(options: AllocatorOptions = {}) {
    this.#headroom = options.headroom ?? DEFAULT_HEADROOM;
    this.#margin = options.upgradeMargin ?? DEFAULT_MARGIN;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  /** The last allocation returned by {@link Allocator.update}, if any. */
  get last(): Allocation | undefined {
    return this.#last;
  }

  /**
   * Runs one allocation round.
   * @param estimateBps estimated downlink of the subscriber, in bits per second
   * @param tracks the subscriber's current tracks; tracks missing from it are forgotten
   * @param nowMs monotonic time of this call, for the upgrade hold time
   */
  update(estimateBps: number, tracks: readonly TrackInput[], nowMs: number): Allocation {
    const previous = this.#last;
    const prevById = new Map(previous?.tracks.map((a) => [a.id, a]));
    const wanted = run(estimateBps, tracks, this.#headroom, previous, undefined);
    const released = new Set<string>();
    tracks.forEach((track, i) => {
      const before = prevById.get(track.id);
      if (before && targetRank(track, wanted.tracks[i]) > targetRank(track, before)) {
        const since = this.#wantSince.get(track.id) ?? nowMs;
        this.#wantSince.set(track.id, since);
        if (nowMs - since >= this.#holdMs) released.add(track.id);
      } else {
        this.#wantSince.delete(track.id);
      }
    });
    const ids = new Set(tracks.map((t) => t.id));
    for (const id of this.#wantSince.keys()) if (!ids.has(id)) this.#wantSince.delete(id);
    this.#last = run(estimateBps, tracks, this.#headroom, previous, { margin: this.#margin, released });
    return this.#last;
  }

  /** Whether an upgrade waits for its hold time (a later round would change a target). */
  get upgrading(): boolean {
    return this.#wantSince.size > 0;
  }

  /** Forgets all history (next round starts as if every track were new). */
  reset(): void {
    this.#last = undefined;
    this.#wantSince.clear();
  }
}
