/**
 * Gives back the memory a surge of sessions used. Thousands of hostile connections leave tens of
 * MiB of garbage in V8's old space and in freed buffers that only a full GC releases; on a server
 * that mostly forwards media (young-generation garbage only) that GC may not come for minutes, so
 * RSS stayed 20–40% above its level before the surge. Once a surge of ended sessions is over (an
 * interval is quiet and a surge's worth ended within the last minute), one full GC runs; ordinary
 * churn, spread over longer, never triggers it.
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection. */
export type FullGc = () => void;

type V8Gc = (opts?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * A full, memory-reducing collection with Node's `gc()`, made available without `--expose-gc` on
 * the command line (as Jest does); undefined if unavailable. The `last-resort` flavour compacts and
 * hands free pages back to the OS (a regular `gc()` left RSS where it was); it takes ~100 ms.
 */
export function exposeGc(): FullGc | undefined {
  let gc = (globalThis as { gc?: V8Gc }).gc;
  try {
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as V8Gc;
    }
  } catch {
    return undefined;
  }
  const collect = gc;
  return () => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Options of {@link MemoryRelief}. */
export interface MemoryReliefOptions {
  /** Length of an interval (default 5 s). */
  everyMs?: number;
  /** Sessions ended within `windowIntervals` intervals that make a surge (default 200). */
  surge?: number;
  /** Intervals a surge may span (default 12: a minute). */
  windowIntervals?: number;
  /** At most this many ending in an interval make it quiet (default 20). */
  quiet?: number;
  /** The collection to run (default {@link exposeGc}). */
  gc?: FullGc | undefined;
}

/** Counts ended sessions and runs one full GC when a surge is over. */
export class MemoryRelief {
  /** Full collections run so far. */
  collections = 0;
  readonly #surge: number;
  readonly #quiet: number;
  readonly #gc: FullGc | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #window: number[] = [];
  readonly #windowIntervals: number;
  #ended = 0;

  constructor(opts: MemoryReliefOptions = {}) {
    this.#surge = opts.surge ?? 200;
    this.#quiet = opts.quiet ?? 20;
    this.#windowIntervals = opts.windowIntervals ?? 12;
    this.#gc = 'gc' in opts ? opts.gc : exposeGc();
    if (opts.everyMs !== 0) {
      this.#timer = setInterval(() => this.tick(), opts.everyMs ?? 5000);
      this.#timer.unref();
    }
  }

  /** Notes one ended session. */
  ended(): void {
    this.#ended++;
  }

  /** Closes an interval (the timer calls it; `everyMs: 0` leaves it to the caller, for tests). */
  tick(): void {
    const n = this.#ended;
    this.#ended = 0;
    this.#window.push(n);
    if (this.#window.length > this.#windowIntervals) this.#window.shift();
    if (n <= this.#quiet && this.#window.reduce((a, b) => a + b, 0) >= this.#surge) {
      this.#window.length = 0;
      if (this.#gc) {
        this.#gc();
        this.collections++;
      }
    }
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.#timer);
  }
}
