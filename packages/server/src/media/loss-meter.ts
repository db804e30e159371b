/**
 * Packet loss of one incoming stream over the last few seconds, in one-second buckets (what an
 * operator's dashboard shows per member; no allocation per packet).
 * @module
 */

const BUCKET_MS = 1000;
const BUCKETS = 5;

/** Packets received and missing per second over a sliding five seconds. */
export class LossMeter {
  readonly #received = new Float64Array(BUCKETS);
  readonly #lost = new Float64Array(BUCKETS);
  #bucket = -1;

  /** Counts one packet arriving at `nowMs`, after `gap` missing ones. */
  add(gap: number, nowMs: number): void {
    this.#advance(nowMs);
    const i = this.#bucket % BUCKETS;
    this.#received[i]! += 1;
    if (gap > 0) this.#lost[i]! += gap;
  }

  /** Packets received and lost over the window ending at `nowMs`. */
  totals(nowMs: number): { received: number; lost: number } {
    this.#advance(nowMs);
    let received = 0;
    let lost = 0;
    for (let i = 0; i < BUCKETS; i++) {
      received += this.#received[i]!;
      lost += this.#lost[i]!;
    }
    return { received, lost };
  }

  #advance(nowMs: number): void {
    const b = Math.floor(nowMs / BUCKET_MS);
    if (this.#bucket < 0) this.#bucket = b;
    const steps = Math.min(BUCKETS, b - this.#bucket);
    for (let i = 1; i <= steps; i++) {
      const j = (this.#bucket + i) % BUCKETS;
      this.#received[j] = 0;
      this.#lost[j] = 0;
    }
    if (b > this.#bucket) this.#bucket = b;
  }
}

/** Loss in percent of what should have arrived (0 when nothing was expected), one decimal. */
export function lossPercent(received: number, lost: number): number {
  const expected = received + lost;
  return expected > 0 ? Math.round((lost / expected) * 1000) / 10 : 0;
}
