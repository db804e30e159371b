/**
 * Token bucket for signaling messages.
 * @module
 */

/** A token bucket: `capacity` burst, refilled at `perSecond`. */
export class TokenBucket {
  readonly capacity: number;
  readonly perSecond: number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, perSecond: number, now = performance.now()) {
    this.#last = now;
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.#tokens = capacity;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now = performance.now()): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
