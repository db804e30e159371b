/**
 * What the sender remembers about each packet it stamped with a transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), and the join of that memory with the
 * subscriber's transport-wide feedback into per-packet results.
 *
 * Storage is a ring of typed arrays indexed by `unwrappedSeq & mask`, so recording a sent packet
 * allocates nothing. A slot also keeps the unwrapped sequence number it belongs to, so a slot
 * reused by a later packet is never mistaken for the old one. The ring starts small (what a leg
 * sends between two feedbacks) and doubles, up to its capacity, when a packet would overwrite one
 * still awaiting feedback and younger than the maximum age: a subscriber leg costs ~6 KB, not
 * the ~200 KB a ring sized for the worst case from the start would.
 * @module
 */

import { seqDiff } from '../rewriter.ts';
import type { TwccFeedback } from '../interceptors/twcc-feedback.ts';

/** What happened to one sent packet, as far as one feedback packet tells. */
export interface PacketResult {
  /** 16-bit transport-wide sequence number. */
  seq: number;
  /** When it was sent, in the sender's clock (ms, as passed to {@link SendHistory.onPacketSent}). */
  sendTimeMs: number;
  /**
   * When it arrived, in the receiver's clock (ms, sub-ms precision: reference time plus receive
   * deltas). `NaN` when the feedback reports it lost. Only differences of arrival times mean
   * anything to the sender: the two clocks have an unknown offset.
   */
  arrivalTimeMs: number;
  /** Size in bytes as passed to {@link SendHistory.onPacketSent}. */
  sizeBytes: number;
  /** Whether the feedback reports it received. */
  received: boolean;
  /** True when an earlier feedback reported it lost and this one reports it received. */
  recovered: boolean;
  /** Probe cluster it was sent in, or -1 for an ordinary packet. */
  probeCluster: number;
}

/** Options of {@link SendHistory}. */
export interface SendHistoryOptions {
  /** Slots in the ring at most; rounded up to a power of two (default 8192). */
  capacity?: number;
  /** Slots at first; rounded up to a power of two, at most `capacity` (default 256). */
  initialCapacity?: number;
  /**
   * Packets sent longer than this before the newest send are forgotten (ms, default 10 000).
   * It must exceed the worst queueing delay the path can build, or feedback goes unmatched
   * exactly when the estimate most needs to fall.
   */
  maxAgeMs?: number;
}

const STATE_PENDING = 0;
const STATE_RECEIVED = 1;
const STATE_LOST = 2;
const REF_MS = 64;
const REF_WRAP = 1 << 24;

/**
 * Ring buffer of sent packets keyed by transport-wide sequence number, answering feedback.
 *
 * Sequence numbers are unwrapped against the highest one sent, so feedback for any packet within
 * ±32767 of it resolves, whatever order feedback arrives in. A packet is reported at most once as
 * received and at most once as lost (duplicate feedback yields nothing new); a packet reported
 * lost and later received is reported again with `recovered` set.
 */
export class SendHistory {
  #mask = -1;
  readonly #maxSlots: number;
  readonly #maxAgeMs: number;
  /** Unwrapped sequence number owning each slot (NaN = empty). */
  #seq = new Float64Array(0);
  #sendMs = new Float64Array(0);
  #size = new Uint32Array(0);
  #cluster = new Int32Array(0);
  #state = new Uint8Array(0);
  /** Highest unwrapped sequence number sent, undefined before the first send. */
  #highest: number | undefined;
  /** Latest send time seen (ms). */
  #newestSendMs = -Infinity;
  /** Unwrapped reference time of the latest feedback (64 ms units), for 24-bit wrap. */
  #lastRef: number | undefined;

  /** @throws RangeError on a capacity (or initial capacity) outside 16..2^20 or a non-positive max age. */
  constructor(opts: SendHistoryOptions = {}) {
    const want = opts.capacity ?? 8192;
    const first = opts.initialCapacity ?? 256;
    for (const [name, v] of [['capacity', want], ['initialCapacity', first]] as const) {
      if (!(v >= 16 && v <= 1 << 20)) throw new RangeError(`${name} must be in 16..2^20, got ${v}`);
    }
    this.#maxSlots = 2 ** Math.ceil(Math.log2(want));
    this.#maxAgeMs = opts.maxAgeMs ?? 10_000;
    if (!(this.#maxAgeMs > 0)) throw new RangeError(`maxAgeMs must be > 0, got ${this.#maxAgeMs}`);
    this.#resize(Math.min(this.#maxSlots, 2 ** Math.ceil(Math.log2(first))));
  }

  /** Number of slots now (a power of two; it grows up to the capacity option). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Makes the ring `cap` slots (a power of two), keeping every packet it holds. */
  #resize(cap: number): void {
    const old = { seq: this.#seq, sendMs: this.#sendMs, size: this.#size, cluster: this.#cluster, state: this.#state };
    this.#mask = cap - 1;
    this.#seq = new Float64Array(cap).fill(NaN);
    this.#sendMs = new Float64Array(cap);
    this.#size = new Uint32Array(cap);
    this.#cluster = new Int32Array(cap);
    this.#state = new Uint8Array(cap);
    for (let j = 0; j < old.seq.length; j++) {
      const u = old.seq[j]!;
      if (Number.isNaN(u)) continue;
      const i = u & this.#mask;
      this.#seq[i] = u;
      this.#sendMs[i] = old.sendMs[j]!;
      this.#size[i] = old.size[j]!;
      this.#cluster[i] = old.cluster[j]!;
      this.#state[i] = old.state[j]!;
    }
  }

  /**
   * Records a sent packet. `seq` is the 16-bit transport-wide sequence number written into it;
   * `probeCluster` tags padding/probe packets (default -1: none). Values outside 0..65535 and
   * non-finite times are ignored. Sending the same number twice keeps the later send.
   */
  onPacketSent(seq: number, sizeBytes: number, sendTimeMs: number, probeCluster = -1): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff || !Number.isFinite(sendTimeMs)) return;
    const hi = this.#highest;
    const unwrapped = hi === undefined ? seq : hi + seqDiff(hi & 0xffff, seq);
    if (hi === undefined || unwrapped > hi) this.#highest = unwrapped;
    if (sendTimeMs > this.#newestSendMs) this.#newestSendMs = sendTimeMs;
    let i = unwrapped & this.#mask;
    // the slot's packet still awaits its feedback: keep it, in a larger ring
    while (this.#mask + 1 < this.#maxSlots && this.#state[i] === STATE_PENDING && this.#seq[i] !== unwrapped && this.#sendMs[i]! >= this.#newestSendMs - this.#maxAgeMs && !Number.isNaN(this.#seq[i]!)) {
      this.#resize(2 * (this.#mask + 1));
      i = unwrapped & this.#mask;
    }
    this.#seq[i] = unwrapped;
    this.#sendMs[i] = sendTimeMs;
    this.#size[i] = Math.max(0, Math.min(0xffffffff, Math.round(sizeBytes)));
    this.#cluster[i] = probeCluster;
    this.#state[i] = STATE_PENDING;
  }

  /**
   * Joins a decoded feedback packet with the history: one result per status that names a packet
   * still remembered and not already reported the same way, in sequence order. Statuses for
   * packets never sent, overwritten in the ring, or sent more than `maxAgeMs` before the newest
   * send are skipped. Arrival times are the feedback's reference time (unwrapped across the
   * 24-bit wrap against the previous feedback) plus the running sum of receive deltas.
   */
  onFeedback(fb: TwccFeedback): PacketResult[] {
    const out: PacketResult[] = [];
    const hi = this.#highest;
    if (hi === undefined) return out;
    const refMs = this.#unwrapRef(fb.referenceTime) * REF_MS;
    const base = hi + seqDiff(hi & 0xffff, fb.baseSeq & 0xffff);
    const oldest = this.#newestSendMs - this.#maxAgeMs;
    let us = 0;
    for (let k = 0; k < fb.packets.length; k++) {
      const p = fb.packets[k]!;
      const received = p.received && p.deltaUs !== undefined;
      if (received) us += p.deltaUs!;
      const unwrapped = base + k;
      if (unwrapped > hi) break; // never sent: nothing further was either
      const i = unwrapped & this.#mask;
      if (this.#seq[i] !== unwrapped || this.#sendMs[i]! < oldest) continue;
      const state = this.#state[i]!;
      if (state === STATE_RECEIVED || (state === STATE_LOST && !received)) continue;
      this.#state[i] = received ? STATE_RECEIVED : STATE_LOST;
      out.push({
        seq: unwrapped & 0xffff,
        sendTimeMs: this.#sendMs[i]!,
        arrivalTimeMs: received ? refMs + us / 1000 : NaN,
        sizeBytes: this.#size[i]!,
        received,
        recovered: received && state === STATE_LOST,
        probeCluster: this.#cluster[i]!,
      });
    }
    return out;
  }

  /** Send time (ms) of a remembered packet by 16-bit sequence number, or undefined. */
  sendTimeOf(seq: number): number | undefined {
    const hi = this.#highest;
    if (hi === undefined) return undefined;
    const unwrapped = hi + seqDiff(hi & 0xffff, seq & 0xffff);
    const i = unwrapped & this.#mask;
    if (unwrapped > hi || this.#seq[i] !== unwrapped || this.#sendMs[i]! < this.#newestSendMs - this.#maxAgeMs) return undefined;
    return this.#sendMs[i];
  }

  /** Unwraps a (sign-extended or raw) 24-bit reference time against the previous one. */
  #unwrapRef(ref: number): number {
    const last = this.#lastRef;
    if (last === undefined) {
      this.#lastRef = ref;
      return ref;
    }
    let d = (((ref - last) % REF_WRAP) + REF_WRAP) % REF_WRAP;
    if (d >= REF_WRAP / 2) d -= REF_WRAP;
    const unwrapped = last + d;
    if (d > 0) this.#lastRef = unwrapped;
    return unwrapped;
  }
}
