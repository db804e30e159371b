/**
 * Token bucket for signaling messages, charged by cost: a small message costs 1, a large one
 * more (see {@link frameCost}), so a flood of 64 KiB frames is cut as fast as a flood of pings.
 * @module
 */

/** Bytes per extra cost unit of a frame. */
export const COST_BYTES = 4096;

/** The cost of a frame of `bytes`: 1 plus one unit per started {@link COST_BYTES} beyond the first. */
export function frameCost(bytes: number): number {
  return 1 + Math.floor(Math.max(0, bytes - 1) / COST_BYTES);
}

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

  /** Takes `cost` tokens (default 1); false when the bucket has fewer. */
  take(now = performance.now(), cost = 1): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}
