/**
 * Gives memory back after a burst (a signaling attack, a join storm) once it is over. V8 returns
 * its grown heap to the OS only in a memory-reducing full GC, which it starts by itself when the
 * process looks idle or 100 s after its last full GC; a server forwarding media never looks idle,
 * and a burst's regular full GCs keep restarting the 100 s (BENCHMARKS.md, "Where the attack's RSS
 * goes"). So this watches RSS and, when it stands well above its floor and has stopped growing,
 * asks for that GC once, at most twice a minute.
 *
 * RSS also grows when calls start: their connections are live memory, not a burst's garbage, and
 * a collection then gives back little and stalls every call. So it collects only when V8's old
 * generation holds at least {@link ReclaimOptions.minSlackBytes} it does not use
 * ({@link heapSlackBytes}): what a burst leaves once V8's own full GCs freed its garbage and kept
 * the pages. The young generation's unused part does not count: its semi-spaces are committed
 * and empty by design after every scavenge, and a reducing GC that shrinks them gives nothing
 * lasting (they regrow within seconds). Measured at fanout N = 200: the young generation made a
 * heap "slack" of 20–32 MiB in the steady state, and the reclaim it allowed gave back 16 MiB of RSS
 * that was back 4 s later, for a 17–20 ms pause and ~140 ms of marking on the server's core (the
 * forwarding delay's p99 of that window 11.5–28 ms, 6.7–8.7 ms in windows without it; BENCHMARKS.md).
 *
 * With the native module the GC is incremental ({@link memoryReducingGc}): V8 marks concurrently
 * and in small steps, and calls go on, apart from its final pause. Without it, it is a forced GC:
 * a pause of every room in the process (~100–450 ms measured; fanout of 200: 360 ms for 33 MiB).
 * @module
 */
import { getHeapSpaceStatistics, setFlagsFromString, type HeapSpaceInfo } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full, memory-reducing collection: returns `'incremental'` when it was only started (V8 runs it
 * from now on, between other work), nothing when it ran to its end within the call.
 */
export type ReclaimGc = () => 'incremental' | void;

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
  /**
   * ... and only when the old generation's unused part ({@link MemoryReclaimer} `heapSlack`) is
   * at least this (bytes, default 32 MiB).
   */
  minSlackBytes?: number;
}

/** What one reclaim did. */
export interface ReclaimReport {
  rssBeforeBytes: number;
  /** RSS right after a collection that ran to its end (undefined: an incremental one goes on). */
  rssAfterBytes: number | undefined;
  /** How long the call blocked (ms). */
  pauseMs: number;
  /** Whether the collection goes on incrementally. */
  incremental: boolean;
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

  /** The RSS a reclaim is measured against (bytes; Infinity until a sample after an incremental one). */
  get floorBytes(): number {
    return this.#floor;
  }

  /**
   * One RSS reading at `nowMs`. Collects (and returns what it did) when RSS stands above the
   * floor by the configured margin, has not risen for the steady window, and no reclaim ran
   * within the minimum interval. `rssAfter` reads RSS after a collection that ran to its end;
   * after an incremental one, the next samples set the floor.
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
    // live memory (calls that started), not a burst's garbage: a collection would give little
    // back, not worth a stall of every call (an incremental one has its final pause too)
    if (this.#heapSlack() < this.#minSlack) return undefined;
    const t0 = performance.now();
    const incremental = this.#gc() === 'incremental';
    const pauseMs = performance.now() - t0;
    const after = incremental ? undefined : rssAfter();
    this.#lastReclaimAt = nowMs;
    this.#floor = after ?? Infinity;
    this.#recent.length = 0;
    return { rssBeforeBytes: rssBytes, rssAfterBytes: after, pauseMs, incremental };
  }
}

/** The native module's part: V8's memory-pressure notification (`native/src/heap-pressure.c`). */
export interface HeapPressure {
  /** Starts an incremental memory-reducing GC; false when this Node has no entry point for it. */
  heapPressure(): boolean;
  /** Whether this Node has that entry point. */
  readonly heapPressureAvailable: boolean;
}

/** Whether {@link memoryReducingGc} of `native` collects incrementally. */
export function reclaimsIncrementally(native: HeapPressure | undefined): boolean {
  return native?.heapPressureAvailable === true;
}

/**
 * V8's memory-reducing full GC: incremental through `native` when given and it works (V8's
 * "moderate memory pressure"), else forced (`gc({type: 'major', flavor: 'last-resort'})`, made
 * callable without starting Node with `--expose-gc`: the flag is set now and the function taken
 * from a fresh context, where V8 installs it).
 */
export function memoryReducingGc(native?: HeapPressure): ReclaimGc {
  if (native && reclaimsIncrementally(native)) return () => (native.heapPressure() ? 'incremental' : forcedGc()());
  return forcedGc();
}

let forced: ReclaimGc | undefined;

function forcedGc(): ReclaimGc {
  if (forced) return forced;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'major'; flavor: 'last-resort' }) => void;
  forced = () => gc({ type: 'major', flavor: 'last-resort' });
  return forced;
}

/**
 * What of V8's old generation (every space but the young generation's) is resident and holds no
 * object, live or garbage (bytes): what a memory-reducing GC returns for good besides the garbage
 * it collects. The young generation's semi-spaces are left out (see the module notes).
 */
export function heapSlackBytes(spaces: readonly HeapSpaceInfo[] = getHeapSpaceStatistics()): number {
  let slack = 0;
  for (const s of spaces) if (!s.space_name.startsWith('new_')) slack += Math.max(0, s.physical_space_size - s.space_used_size);
  return slack;
}
