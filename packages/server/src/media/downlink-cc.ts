/**
 * The sending half of transport-wide congestion control for one subscriber connection: every
 * packet the fast path sends on it (media, retransmissions, probes) gets the next transport-wide
 * sequence number (written in its header extension) and is recorded; the subscriber's feedback
 * drives the estimator (`bwe/estimator.ts`), whose estimate the downlink allocation uses.
 * @module
 */
import { BandwidthEstimator } from './bwe/estimator.ts';
import type { TwccFeedback } from './interceptors/twcc-feedback.ts';
import type { TransportSequencer } from './fast-sender.ts';

/** The transport-wide CC header extension (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
export const TWCC_EXTENSION_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** SRTP and IP/UDP overhead counted per packet on top of what the fast path writes (bytes). */
const OVERHEAD = 16 + 28;

/**
 * A connection that numbered packets this long ago and has had no feedback for any of them has a
 * subscriber that sends none (ms): its downlink is then not limited by an estimate that nothing
 * measures (as if congestion control were not negotiated) until feedback comes.
 */
export const NO_FEEDBACK_AFTER_MS = 3000;
/** The downlink rate assumed where nothing is measured (bps): the estimator's ceiling. */
const UNMEASURED_BPS = 20_000_000;

/** A probe burst is sent in this many paced steps. */
const PROBE_STEPS = 5;
/** Share of the estimate retransmissions may use. */
const RETRANSMIT_SHARE = 0.5;
/** How much unused retransmission budget may be saved up (ms of it). */
const RETRANSMIT_BURST_MS = 500;

/** Records the native fan-out's ring holds (`native/src/fanout.h` FANOUT_CC_RECORDS). */
const SHARED_RECORDS = 512;
/** The shared block's size: a 16-byte header, then 16 bytes per record (FANOUT_CC_BYTES). */
export const SHARED_CC_BYTES = 16 + SHARED_RECORDS * 16;

/** Numbers the packets of one connection, estimates its bandwidth, budgets retransmissions. */
export class DownlinkCc implements TransportSequencer {
  readonly estimator: BandwidthEstimator;
  #seq = 0;
  /**
   * The block shared with the native fan-out, once a leg of this connection is in it: the next
   * number (u32 0) and the packets it numbered (u32 1: how many so far; records of u32 number,
   * u32 bytes, f64 send time from byte 16), host byte order.
   */
  #shared: Buffer | undefined;
  #u32: Uint32Array | undefined;
  #f64: Float64Array | undefined;
  /** Records of the block read so far. */
  #drained = 0;
  #budget = 0;
  #budgetAt = -Infinity;
  #probing = false;
  /** Retransmissions refused for the budget. */
  retransmitsRefused = 0;

  /** When the first packet was numbered, whether one left unnumbered, and whether any feedback came. */
  #firstNumberedAt: number | undefined;
  #unnumbered = false;
  #feedbackSeen = false;

  constructor(initialBps = 1_000_000) {
    this.estimator = new BandwidthEstimator({ initialBps, minBps: 30_000, maxBps: UNMEASURED_BPS, periodicProbeMs: 2500 });
  }

  /**
   * Whether the estimate measures anything: feedback came, or nothing was sent yet (the start:
   * the initial estimate), or packets were numbered less than {@link NO_FEEDBACK_AFTER_MS} ago.
   * False for a leg whose packets leave unnumbered (the subscriber did not negotiate transport-wide
   * CC) or that gets no feedback for them.
   */
  measuring(nowMs = performance.now()): boolean {
    if (this.#feedbackSeen) return true;
    if (this.#firstNumberedAt === undefined) return !this.#unnumbered;
    return nowMs - this.#firstNumberedAt < NO_FEEDBACK_AFTER_MS;
  }

  /** A packet of this connection left without a transport-wide sequence number. */
  sentUnnumbered(): void {
    this.#unnumbered = true;
  }

  /**
   * The sequence number for a packet of `bytes` (header and payload) sent now; records it.
   * `probeCluster`: the probe it belongs to (-1: none).
   */
  next(bytes: number, nowMs: number, probeCluster = -1): number {
    const u32 = this.#u32;
    const seq = u32 ? u32[0]! : this.#seq;
    if (u32) u32[0] = (seq + 1) & 0xffff;
    else this.#seq = (seq + 1) & 0xffff;
    this.#firstNumberedAt ??= nowMs;
    this.estimator.onPacketSent(seq, bytes + OVERHEAD, nowMs, probeCluster);
    return seq;
  }

  /**
   * The block the native fan-out numbers this connection's packets in (made on the first call,
   * with the counter where this one stands): both number from it from now on.
   */
  sharedBlock(): Buffer {
    if (!this.#shared) {
      // an ArrayBuffer of its own (not the Buffer pool's): aligned for both views
      const ab = new ArrayBuffer(SHARED_CC_BYTES);
      this.#shared = Buffer.from(ab);
      this.#u32 = new Uint32Array(ab);
      this.#f64 = new Float64Array(ab);
      this.#u32[0] = this.#seq;
    }
    return this.#shared;
  }

  /**
   * Records what the native fan-out numbered since the last call in the send history (before
   * feedback is matched against it; also called every few hundred ms so its ring never fills).
   */
  drainShared(): void {
    const u32 = this.#u32;
    if (!u32) return;
    const written = u32[1]!;
    let from = this.#drained;
    // u32 counters: the difference is right across their wrap
    const pending = (written - from) >>> 0;
    if (pending === 0) return;
    // more than the ring holds (no drain for a while): the oldest were overwritten, and their
    // feedback will match nothing (as for packets older than the history keeps)
    if (pending > SHARED_RECORDS) from = (written - SHARED_RECORDS) >>> 0;
    const f64 = this.#f64!;
    for (let k = from; k !== written; k = (k + 1) >>> 0) {
      const r = k % SHARED_RECORDS;
      const sentMs = f64[3 + 2 * r]!;
      this.#firstNumberedAt ??= sentMs;
      this.estimator.onPacketSent(u32[4 + 4 * r]!, u32[5 + 4 * r]! + OVERHEAD, sentMs);
    }
    this.#drained = written;
  }

  /** Called when a feedback cut the estimate by a fifth or more (re-allocate at once). */
  onDrop: (() => void) | undefined;

  /** A transport-wide feedback packet from the subscriber. */
  onFeedback(fb: TwccFeedback, nowMs = performance.now()): void {
    this.#feedbackSeen = true;
    this.drainShared();
    const before = this.estimator.estimateBps;
    const after = this.estimator.onFeedback(fb, nowMs);
    // congestion: the layers must come down now, not at the next allocation tick
    if (after < before * 0.8) this.onDrop?.();
  }

  /** Whether a retransmission of `bytes` fits: {@link RETRANSMIT_SHARE} of the estimate, saved up for {@link RETRANSMIT_BURST_MS}. */
  allowRetransmit(bytes: number, nowMs: number): boolean {
    const rate = (this.estimator.estimateBps * RETRANSMIT_SHARE) / 8000; // bytes per ms
    const elapsed = this.#budgetAt === -Infinity ? RETRANSMIT_BURST_MS : nowMs - this.#budgetAt;
    this.#budget = Math.min(rate * RETRANSMIT_BURST_MS, this.#budget + rate * elapsed);
    this.#budgetAt = nowMs;
    if (this.#budget < bytes) {
      this.retransmitsRefused++;
      return false;
    }
    this.#budget -= bytes;
    return true;
  }

  /** About a round trip (ms): a packet is not resent sooner. */
  get resendIntervalMs(): number {
    return Math.min(500, Math.max(40, this.estimator.rttMs ?? 100));
  }

  /**
   * Sends the probe burst the estimator asks for now, if any, through `probe` (a function that
   * sends about the bytes asked for, on the cluster given, and returns what it sent): paced at
   * the probe's rate in {@link PROBE_STEPS} steps, as the estimator measures a probe's rate
   * from the spread of its send and arrival times.
   */
  runProbe(nowMs: number, probe: (bytes: number, cluster: number) => number): void {
    // a probe nobody measures is padding for nothing
    if (this.#probing || !this.measuring(nowMs)) return;
    const req = this.estimator.pollProbe(nowMs);
    if (!req) return;
    const total = Math.max((req.bitrateBps * req.durationMs) / 8000, req.minPackets * 1200);
    // at the probe's own rate, however long its fewest packets take at it: the fewest packets at
    // once were a 6 KB burst, ~160 ms of queue on a 300 kbps link for every probe while capped
    const durationMs = Math.max(req.durationMs, (total * 8000) / req.bitrateBps);
    const step = total / PROBE_STEPS;
    const every = Math.max(2, durationMs / PROBE_STEPS);
    let left = PROBE_STEPS;
    this.#probing = true;
    const send = (): void => {
      const sent = probe(step, req.id);
      if (--left <= 0 || sent === 0) {
        this.#probing = false;
        return;
      }
      setTimeout(send, every).unref();
    };
    send();
  }

  /** The current estimate (bps); the estimator's ceiling while nothing is measured (see {@link measuring}). */
  get estimateBps(): number {
    return this.measuring() ? this.estimator.estimateBps : UNMEASURED_BPS;
  }
}
