/**
 * Gives memory back after a burst (a signaling attack, a join storm) once it is over. V8 returns
 * its grown heap to the OS only in a memory-reducing full GC, which it starts by itself when the
 * process looks idle or 100 s after its last full GC; a server forwarding media never looks idle,
 * and a burst's regular full GCs keep restarting the 100 s (BENCHMARKS.md, "Where the attack's RSS
 * goes"). So this watches RSS and, when it stands well above its floor and has stopped growing,
 * asks for that GC once: a single pause of every room (~100–400 ms measured) in exchange for the
 * burst's tens of MiB, at most twice a minute.
 *
 * Only when V8's heap holds at least {@link ReclaimOptions.minSlackBytes} it does not use: RSS also
 * grows when calls start (their connections are live memory, not a burst's garbage), and a GC then
 * gives back little and stalls every call (fanout of 200: 360 ms for 33 MiB, in the measured window;
 * BENCHMARKS.md).
 * @module
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full, memory-reducing collection. */
export type ReclaimGc = () => void;

/** Tuning of {@link MemoryReclaimer}. */
export interface ReclaimOptions {
  /** Reclaim when RSS exceeds the floor by this share (default 0.15) ... */
  growth?: number;
  /** ... and by at least this much (bytes, default 24 MiB). */
  minGrowthBytes?: number;
  /** RSS must not have risen over this long: the burst is over (ms, default 5000). */
  steadyMs?: number;
  /** Least time between two reclaims (ms, default 30 000). */
  minIntervalMs?: number;
  /** ... and only when the heap's unused part ({@link MemoryReclaimer} `heapSlack`) is at least this (bytes, default 32 MiB). */
  minSlackBytes?: number;
}

/** What one reclaim did. */
export interface ReclaimReport {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  pauseMs: number;
}

/**
 * Decides when to collect, from RSS samples it is given ({@link sample}); pure apart from calling
 * `gc`. The floor is the lowest RSS seen since the last reclaim (or the RSS right after it).
 */
export class MemoryReclaimer {
  readonly #gc: ReclaimGc;
  readonly #growth: number;
  readonly #minGrowth: number;
  readonly #steadyMs: number;
  readonly #minIntervalMs: number;
  readonly #minSlack: number;
  readonly #heapSlack: () => number;
  #floor = Infinity;
  #lastReclaimAt = -Infinity;
  /** Recent samples (time, rss), oldest first, covering the steady window. */
  readonly #recent: { at: number; rss: number }[] = [];

  /**
   * @param gc the collection
   * @param heapSlack what of V8's heap is resident and holds no object now (bytes); by default
   *   counted as enough (the tests of RSS alone)
   */
  constructor(gc: ReclaimGc, options: ReclaimOptions = {}, heapSlack: () => number = () => Infinity) {
    this.#gc = gc;
    this.#heapSlack = heapSlack;
    this.#minSlack = options.minSlackBytes ?? 32 * 1024 * 1024;
    this.#growth = options.growth ?? 0.15;
    this.#minGrowth = options.minGrowthBytes ?? 24 * 1024 * 1024;
    this.#steadyMs = options.steadyMs ?? 5000;
    this.#minIntervalMs = options.minIntervalMs ?? 30_000;
  }

  /** The RSS a reclaim is measured against (bytes). */
  get floorBytes(): number {
    return this.#floor;
  }

  /**
   * One RSS reading at `nowMs`. Collects (and returns what it did) when RSS stands above the
   * floor by the configured margin, has not risen for the steady window, and no reclaim ran
   * within the minimum interval. `rssAfter` reads RSS after the collection.
   */
  sample(nowMs: number, rssBytes: number, rssAfter: () => number): ReclaimReport | undefined {
    this.#floor = Math.min(this.#floor, rssBytes);
    this.#recent.push({ at: nowMs, rss: rssBytes });
    while (this.#recent.length > 1 && nowMs - this.#recent[1]!.at >= this.#steadyMs) this.#recent.shift();
    const covered = nowMs - this.#recent[0]!.at >= this.#steadyMs;
    // risen by more than a quarter of the minimum growth within the window: still growing
    const rising = rssBytes > Math.min(...this.#recent.map((s) => s.rss)) + this.#minGrowth / 4;
    const excess = rssBytes - this.#floor;
    if (!covered || rising || excess < this.#minGrowth || excess < this.#growth * this.#floor) return undefined;
    if (nowMs - this.#lastReclaimAt < this.#minIntervalMs) return undefined;
    // live memory (calls that started), not a burst's garbage: a collection would give little back
    if (this.#heapSlack() < this.#minSlack) return undefined;
    const t0 = performance.now();
    this.#gc();
    const pauseMs = performance.now() - t0;
    const after = rssAfter();
    this.#lastReclaimAt = nowMs;
    this.#floor = after;
    this.#recent.length = 0;
    return { rssBeforeBytes: rssBytes, rssAfterBytes: after, pauseMs };
  }
}

/**
 * V8's memory-reducing full GC (`gc({type: 'major', flavor: 'last-resort'})`), made callable
 * without starting Node with `--expose-gc`: the flag is set now and the function taken from a
 * fresh context, where V8 installs it.
 */
export function memoryReducingGc(): ReclaimGc {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'major'; flavor: 'last-resort' }) => void;
  return () => gc({ type: 'major', flavor: 'last-resort' });
}

/** What of V8's heap is resident and holds no object, live or garbage (bytes): what a memory-reducing GC returns besides the garbage it collects. */
export function heapSlackBytes(): number {
  const h = getHeapStatistics();
  return Math.max(0, h.total_physical_size - h.used_heap_size);
}
