/**
 * A small reordering buffer for one RTP stream: packets come out in sequence order; a missing
 * packet is waited for (a retransmission may still fill it) until {@link JitterBufferOptions.latencyMs}
 * passed since a later packet arrived, or the buffer holds too many; then the gap is skipped
 * and reported.
 * @module
 */

/** A packet in the buffer. */
export interface BufferedPacket {
  /** Sequence number, extended past 16 bits (monotonic across wraps). */
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  /** Arrival (ms). */
  at: number;
}

/** Tuning. */
export interface JitterBufferOptions {
  /** How long a gap is waited for (ms). */
  latencyMs: number;
  /** At most this many packets are held; past it the oldest gap is skipped. */
  maxPackets: number;
}

/** What comes out: a packet, and how many packets were given up on just before it. */
export type ReleasedPacket = BufferedPacket & { lostBefore: number };

/** Reorders one stream. */
export class JitterBuffer {
  readonly #opts: JitterBufferOptions;
  readonly #held = new Map<number, BufferedPacket>();
  /** The next sequence number to release (-1: none yet). */
  #next = -1;
  /** Highest extended sequence number seen. */
  #highest = -1;
  /** Packets dropped as late or repeated. */
  late = 0;
  /** Packets given up on. */
  lost = 0;

  constructor(opts: JitterBufferOptions) {
    this.#opts = opts;
  }

  /** Extends a 16-bit sequence number next to the highest seen. */
  #extend(seq16: number): number {
    if (this.#highest < 0) return seq16 + 0x10000;
    const base = this.#highest;
    let d = (seq16 - (base & 0xffff)) & 0xffff;
    if (d >= 0x8000) d -= 0x10000;
    return base + d;
  }

  /** Adds a packet; returns what can be released now, in order. */
  push(seq16: number, timestamp: number, marker: boolean, payload: Buffer, at: number): ReleasedPacket[] {
    const seq = this.#extend(seq16);
    if (this.#next < 0) this.#next = seq;
    if (seq < this.#next || this.#held.has(seq)) {
      this.late++;
      return [];
    }
    if (seq > this.#highest) this.#highest = seq;
    this.#held.set(seq, { seq, timestamp, marker, payload, at });
    return this.#drain(at, false);
  }

  /** Releases everything held, gaps skipped (the stream ends). */
  flush(): ReleasedPacket[] {
    return this.#drain(Infinity, true);
  }

  #drain(now: number, all: boolean): ReleasedPacket[] {
    const out: ReleasedPacket[] = [];
    let lostBefore = 0;
    while (this.#held.size > 0) {
      const p = this.#held.get(this.#next);
      if (p) {
        this.#held.delete(this.#next);
        this.#next++;
        out.push({ ...p, lostBefore });
        lostBefore = 0;
        continue;
      }
      // a gap: wait unless it is overdue (measured from the oldest packet waiting behind it)
      let oldest = Infinity;
      let lowest = Infinity;
      for (const h of this.#held.values()) {
        if (h.at < oldest) oldest = h.at;
        if (h.seq < lowest) lowest = h.seq;
      }
      if (!all && now - oldest < this.#opts.latencyMs && this.#held.size < this.#opts.maxPackets) break;
      lostBefore += lowest - this.#next;
      this.lost += lowest - this.#next;
      this.#next = lowest;
    }
    return out;
  }
}
