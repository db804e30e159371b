/**
 * Acknowledged bitrate: how fast the subscriber actually received this sender's packets, from the
 * arrival times transport-wide feedback reports. The rate controller cuts to a fraction of this
 * on overuse (it is what the bottleneck delivered), and refuses to raise its estimate far above
 * it (an estimate nothing has tested means nothing).
 * @module
 */

/** Tuning of {@link AckedBitrate}. */
export interface AckedBitrateOptions {
  /** Sliding window over arrival time (ms, default 500). */
  windowMs?: number;
  /** No rate is reported until arrivals span at least this long (ms, default 100). */
  minSpanMs?: number;
  /** Arrivals remembered at most (default 4096; older ones fall out of the window early). The
   * ring starts at 64 and doubles as a window's arrivals need. */
  capacity?: number;
}

/**
 * Sliding-window receive rate over the receiver's clock. Arrivals are kept in a ring in the
 * order reported; the window ends at the latest arrival seen. Arrivals reported out of order
 * within the window count; ones older than the window are ignored.
 */
export class AckedBitrate {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #atMs: Float64Array;
  #bytes: Float64Array;
  readonly #maxLen: number;
  #start = 0;
  #len = 0;
  #sumBytes = 0;
  #latestMs = -Infinity;
  #firstMs: number | undefined;

  /** @throws RangeError on a non-positive window or a span longer than the window. */
  constructor(opts: AckedBitrateOptions = {}) {
    this.#windowMs = opts.windowMs ?? 500;
    this.#minSpanMs = opts.minSpanMs ?? 100;
    const cap = opts.capacity ?? 4096;
    if (!(this.#windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${this.#windowMs}`);
    if (!(this.#minSpanMs > 0 && this.#minSpanMs <= this.#windowMs)) throw new RangeError(`minSpanMs must be in (0, windowMs], got ${this.#minSpanMs}`);
    if (!(Number.isInteger(cap) && cap >= 2)) throw new RangeError(`capacity must be an integer ≥ 2, got ${cap}`);
    this.#maxLen = cap;
    this.#atMs = new Float64Array(Math.min(cap, 64));
    this.#bytes = new Float64Array(Math.min(cap, 64));
  }

  /** Records `sizeBytes` received at `arrivalMs` (receiver clock); non-finite times are ignored. */
  onReceived(arrivalMs: number, sizeBytes: number): void {
    if (!Number.isFinite(arrivalMs) || arrivalMs <= this.#latestMs - this.#windowMs) return;
    if (arrivalMs > this.#latestMs) {
      this.#latestMs = arrivalMs;
      this.#evict();
    }
    // After a gap longer than the window, the measurement starts over from this arrival.
    if (this.#len === 0) this.#firstMs = arrivalMs;
    else if (arrivalMs < this.#firstMs!) this.#firstMs = arrivalMs;
    if (this.#len === this.#atMs.length) {
      if (this.#len < this.#maxLen) this.#grow();
      else this.#dropOldest();
    }
    const cap = this.#atMs.length;
    const i = (this.#start + this.#len) % cap;
    this.#atMs[i] = arrivalMs;
    this.#bytes[i] = sizeBytes;
    this.#len++;
    this.#sumBytes += sizeBytes;
  }

  /**
   * Received bits per second over the window ending at the latest arrival, or undefined until
   * arrivals span {@link AckedBitrateOptions.minSpanMs}. Before a full window has elapsed the
   * rate is over the span so far.
   */
  get bps(): number | undefined {
    if (this.#firstMs === undefined) return undefined;
    const span = Math.min(this.#windowMs, this.#latestMs - this.#firstMs);
    if (span < this.#minSpanMs) return undefined;
    return (this.#sumBytes * 8000) / span;
  }

  /** Forgets everything (e.g. after a long pause: a stale rate would mislead). */
  reset(): void {
    this.#start = 0;
    this.#len = 0;
    this.#sumBytes = 0;
    this.#latestMs = -Infinity;
    this.#firstMs = undefined;
  }

  /** Drops arrivals at or before the window's start. Out-of-order ones are kept until reached. */
  #evict(): void {
    const edge = this.#latestMs - this.#windowMs;
    while (this.#len > 0 && this.#atMs[this.#start]! <= edge) this.#dropOldest();
  }

  /** Doubles the ring (up to the capacity), oldest arrival first. */
  #grow(): void {
    const cap = Math.min(this.#maxLen, 2 * this.#atMs.length);
    const at = new Float64Array(cap);
    const bytes = new Float64Array(cap);
    for (let k = 0; k < this.#len; k++) {
      const j = (this.#start + k) % this.#atMs.length;
      at[k] = this.#atMs[j]!;
      bytes[k] = this.#bytes[j]!;
    }
    this.#atMs = at;
    this.#bytes = bytes;
    this.#start = 0;
  }

  #dropOldest(): void {
    this.#sumBytes -= this.#bytes[this.#start]!;
    this.#start = (this.#start + 1) % this.#atMs.length;
    this.#len--;
  }
}
