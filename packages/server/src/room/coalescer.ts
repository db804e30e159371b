/**
 * Runs a flush at most once per interval: the first change after a quiet period flushes on the
 * next turn of the event loop (low latency); changes inside the interval wait for its end
 * (one flush per tick under a storm).
 * @module
 */

/** Coalesces bursts of `schedule()` calls into at most one `flush` per `intervalMs`. */
export class Coalescer {
  readonly #flush: () => void;
  readonly #intervalMs: number;
  #last = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

  /**
   * @param flush the work to run
   * @param intervalMs minimum time between two flushes
   */
  constructor(flush: () => void, intervalMs: number) {
    this.#flush = flush;
    this.#intervalMs = intervalMs;
  }

  /** Asks for a flush; several calls before it runs produce one flush. */
  schedule(): void {
    if (this.#timer || this.#immediate) return;
    const wait = this.#last + this.#intervalMs - performance.now();
    if (wait <= 0) this.#immediate = setImmediate(this.#run);
    else this.#timer = setTimeout(this.#run, wait);
  }

  /** True while a flush is scheduled. */
  get pending(): boolean {
    return this.#timer !== undefined || this.#immediate !== undefined;
  }

  /** Cancels a scheduled flush. */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  readonly #run = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#last = performance.now();
    this.#flush();
  };
}
