/**
 * The incoming bitrate of one stream, measured over the last second in 250 ms buckets (what the
 * allocator needs to know a layer costs; no allocation per packet).
 * @module
 */

const BUCKET_MS = 250;
const BUCKETS = 4;

/** Bytes per 250 ms bucket over a sliding second. */
export class BitrateMeter {
  readonly #bytes = new Float64Array(BUCKETS);
  #bucket = -1;

  /** Counts `bytes` arriving at `nowMs`. */
  add(bytes: number, nowMs: number): void {
    this.#advance(nowMs);
    this.#bytes[this.#bucket % BUCKETS]! += bytes;
  }

  /** Bits per second over the last second: three whole buckets and the current, partial one. */
  bps(nowMs: number): number {
    this.#advance(nowMs);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) sum += this.#bytes[i]!;
    const windowMs = (BUCKETS - 1) * BUCKET_MS + Math.max(1, nowMs - this.#bucket * BUCKET_MS);
    return (sum * 8 * 1000) / windowMs;
  }

  #advance(nowMs: number): void {
    const b = Math.floor(nowMs / BUCKET_MS);
    if (this.#bucket < 0) this.#bucket = b;
    const steps = Math.min(BUCKETS, b - this.#bucket);
    for (let i = 1; i <= steps; i++) this.#bytes[(this.#bucket + i) % BUCKETS] = 0;
    if (b > this.#bucket) this.#bucket = b;
  }
}
