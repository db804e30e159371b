/**
 * Sequence-number and timestamp rewriting for one outgoing stream. The subscriber sees one
 * continuous stream (its own SSRC, +1 sequence numbers, advancing timestamps) whatever happens
 * upstream: re-publish with a new SSRC, a different publisher reusing the slot, gaps.
 * @module
 */

const U16 = 0x10000;
const U32 = 0x100000000;

/** Signed distance a→b in 16-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d >= 0x8000 ? d - U16 : d;
}

/** Rewrites (sequence, timestamp) of one source into the continuous space of one outgoing stream. */
export class SeqTsRewriter {
  #seqOffset = 0;
  #tsOffset = 0;
  #source: number | undefined;
  #switchPending = true;
  #lastSeq = 0;
  #lastTs = 0;
  #lastWallMs = 0;
  #started = false;
  /** Sequence number of the last packet written (valid once a packet went out). */
  seq = 0;
  /** Timestamp of the last packet written. */
  timestamp = 0;

  /** Output timestamp = input timestamp + this (mod 2^32), for the current source. */
  get tsOffset(): number {
    return this.#tsOffset;
  }

  /** The next packet starts a new upstream source (new producer, re-publish). */
  switchSource(): void {
    this.#switchPending = true;
  }

  /** True before the first packet. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Maps one packet. The result is in {@link SeqTsRewriter.seq} / {@link SeqTsRewriter.timestamp}
   * (no allocation on the hot path).
   * @param clockRate of the codec, to advance timestamps across a switch by the wall-clock gap
   */
  rewrite(ssrc: number, seq: number, ts: number, nowMs: number, clockRate: number): void {
    if (this.#switchPending || ssrc !== this.#source) {
      if (this.#started) {
        const gap = Math.max(1, Math.round(((nowMs - this.#lastWallMs) * clockRate) / 1000));
        this.#seqOffset = (this.#lastSeq + 1 - seq) & 0xffff;
        this.#tsOffset = (this.#lastTs + gap - ts + U32) % U32;
      }
      this.#source = ssrc;
      this.#switchPending = false;
    }
    this.seq = (seq + this.#seqOffset) & 0xffff;
    this.timestamp = (ts + this.#tsOffset) % U32;
    if (!this.#started || seqDiff(this.#lastSeq, this.seq) > 0) {
      this.#lastSeq = this.seq;
      this.#lastTs = this.timestamp;
      this.#lastWallMs = nowMs;
    }
    this.#started = true;
  }

  /**
   * Takes over where another writer of this stream's mapping left it (the native fan-out writes
   * `seq + offset`, `ts + offset` with the offsets of the current source): the last sequence
   * number and timestamp written, and when.
   */
  resume(lastSeq: number, lastTs: number, lastWallMs: number): void {
    if (!this.#started || lastSeq < 0) return;
    this.#lastSeq = this.seq = lastSeq;
    this.#lastTs = this.timestamp = lastTs;
    this.#lastWallMs = lastWallMs;
  }
}
