/**
 * A fast detector of a queue building at the bottleneck, beside the delay-based trendline
 * (`delay-based.ts`). A link that narrows suddenly (a viewer's Wi-Fi or mobile link whose
 * capacity falls to a third) fills its queue within a frame or two; the trendline, fitted over
 * 20 send groups and smoothed, needs 300–500 ms of feedback to call it overuse, because a
 * narrow link delivers only two or three packets per feedback. Everything queued meanwhile
 * delays the smaller layer's keyframe that the viewer then waits for.
 *
 * The rule here: over the last {@link QueueBuildupOptions.windowMs} of arrivals, the packets
 * of the later half all waited at least {@link QueueBuildupOptions.queueMs} in a queue (one-way
 * delay above its minimum of the last seconds), more than those of the earlier half did,
 * and they arrived at well under the rate they were sent at. Jitter only adds delay to some
 * packets, and a stall releases its packets in a burst whose last one did not wait: neither
 * makes every recent packet wait more than the earlier ones while the arrivals slow down.
 * While a queue builds, the bottleneck is busy all the time, so the rate at which packets
 * arrive is its capacity: that is what {@link QueueBuildupDetector.poll} returns.
 *
 * Only an unbroken run of feedback is measured: a feedback packet lost or out of order would
 * leave a hole of packets not yet reported, read as packets not delivered, so it starts the
 * run again, and a duplicate is skipped.
 *
 * Send and arrival times are in the two ends' own clocks; only differences count.
 * @module
 */

/** Tuning of {@link QueueBuildupDetector}. */
export interface QueueBuildupOptions {
  /** Queueing delay every packet of the later half must show (ms, default 50). */
  queueMs?: number;
  /** Arrival-time window examined (ms, default 200). */
  windowMs?: number;
  /** The minimum one-way delay is taken over this long (ms, default 10 000): a path whose delay changed for good is re-learnt. */
  baselineMs?: number;
}

/**
 * Packets remembered at most; more than any window holds at the rates a subscriber receives.
 * The ring starts at {@link FIRST_RING} and doubles only while its oldest packet is still
 * within reach of the walk: a listener receiving a few audio streams keeps 1.3 KB, not 20.
 */
const RING = 1024;
const FIRST_RING = 64;
/**
 * The delivered rate must be below this share of the rate the same packets were sent at: a
 * link that narrowed suddenly delivers a third or half of it, while jitter that happens to
 * delay a run of packets leaves the two near each other.
 */
const MAX_RATE_RATIO = 0.7;
/** Fewest packets measured: a rate from two is noise. */
const MIN_PACKETS = 4;

/** See the module documentation. */
export class QueueBuildupDetector {
  readonly #queueMs: number;
  readonly #windowMs: number;
  readonly #halfBaselineMs: number;
  #send = new Float64Array(FIRST_RING);
  #arrival = new Float64Array(FIRST_RING);
  #size = new Uint32Array(FIRST_RING);
  #count = 0;
  #next = 0;
  /** The minimum one-way delay over the current and the previous half of the baseline period. */
  #minNow = Infinity;
  #minBefore = Infinity;
  #periodStart: number | undefined;
  /** The latest arrival remembered, and its packet's send time. */
  #newest = -Infinity;
  #newestSend = 0;
  /** The last feedback packet's count (8 bits), once one came. */
  #lastFeedback: number | undefined;

  /** @throws RangeError on a non-positive threshold or window. */
  constructor(opts: QueueBuildupOptions = {}) {
    this.#queueMs = opts.queueMs ?? 50;
    this.#windowMs = opts.windowMs ?? 200;
    this.#halfBaselineMs = (opts.baselineMs ?? 10_000) / 2;
    if (!(this.#queueMs > 0 && this.#windowMs > 0 && this.#halfBaselineMs > 0)) throw new RangeError('queueMs, windowMs and baselineMs must be > 0');
  }

  /**
   * Starts a feedback packet of count `fbPktCount` (8 bits); returns whether its packets are to
   * be given to {@link onPacket} and {@link poll} asked after them: false for a duplicate. A
   * count that does not follow the last one forgets the packets measured so far.
   */
  beginFeedback(fbPktCount: number): boolean {
    const last = this.#lastFeedback;
    if (last === fbPktCount) return false;
    if (last !== undefined && ((last + 1) & 0xff) !== fbPktCount) {
      this.#count = 0;
      this.#newest = -Infinity;
    }
    this.#lastFeedback = fbPktCount;
    return true;
  }

  /** A packet the receiver got: when it was sent (sender's clock), when it arrived (receiver's), its size. */
  onPacket(sendMs: number, arrivalMs: number, sizeBytes: number): void {
    const delay = arrivalMs - sendMs;
    if (this.#periodStart === undefined) this.#periodStart = arrivalMs;
    else if (arrivalMs - this.#periodStart >= this.#halfBaselineMs) {
      this.#minBefore = this.#minNow;
      this.#minNow = Infinity;
      this.#periodStart = arrivalMs;
    }
    if (delay < this.#minNow) this.#minNow = delay;
    if (arrivalMs > this.#newest) {
      this.#newest = arrivalMs;
      this.#newestSend = sendMs;
    }
    let cap = this.#arrival.length;
    // full, and the packet to be overwritten still counts for a window: room for more
    if (this.#count === cap && cap < RING && this.#arrival[this.#next]! >= this.#newest - 2 * this.#windowMs) cap = this.#grow();
    const i = this.#next;
    this.#send[i] = sendMs;
    this.#arrival[i] = arrivalMs;
    this.#size[i] = sizeBytes;
    this.#next = (i + 1) % cap;
    if (this.#count < cap) this.#count++;
  }

  /** Packets the ring holds before it overwrites (for tests and memory accounting). */
  get capacity(): number {
    return this.#arrival.length;
  }

  /** Doubles the ring, its packets oldest first; returns the new capacity. */
  #grow(): number {
    const old = this.#arrival.length;
    const cap = old * 2;
    const send = new Float64Array(cap);
    const arrival = new Float64Array(cap);
    const size = new Uint32Array(cap);
    for (let k = 0; k < old; k++) {
      const i = (this.#next + k) % old;
      send[k] = this.#send[i]!;
      arrival[k] = this.#arrival[i]!;
      size[k] = this.#size[i]!;
    }
    this.#send = send;
    this.#arrival = arrival;
    this.#size = size;
    this.#next = old;
    return cap;
  }

  /**
   * After a feedback's packets: the rate the bottleneck delivers (bps) if a queue is building at
   * it now, else undefined.
   */
  poll(): number | undefined {
    const n = this.#count;
    if (n < MIN_PACKETS) return undefined;
    const base = Math.min(this.#minNow, this.#minBefore);
    const newest = this.#newest;
    const newestSend = this.#newestSend;
    // the usual answer, without a walk: the latest packet did not wait
    if (newest - newestSend - base < this.#queueMs) return undefined;
    const from = newest - this.#windowMs;
    const mid = newest - this.#windowMs / 2;
    let earlyMin = Infinity;
    let lateMin = Infinity;
    let first = Infinity;
    let firstSend = 0;
    let firstBytes = 0;
    let bytes = 0;
    let packets = 0;
    const cap = this.#arrival.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.#next - k + cap) % cap;
      const at = this.#arrival[i]!;
      // feedback comes in sequence order: a packet far older than the window ends the walk
      if (at < from - this.#windowMs) break;
      if (at < from) continue;
      const queued = at - this.#send[i]! - base;
      if (at >= mid) lateMin = Math.min(lateMin, queued);
      else earlyMin = Math.min(earlyMin, queued);
      bytes += this.#size[i]!;
      packets++;
      if (at < first) {
        first = at;
        firstSend = this.#send[i]!;
        firstBytes = this.#size[i]!;
      }
    }
    if (packets < MIN_PACKETS || earlyMin === Infinity || lateMin === Infinity) return undefined;
    if (lateMin < this.#queueMs || lateMin <= earlyMin) return undefined;
    const span = newest - first;
    if (span < this.#windowMs / 2) return undefined;
    // the first packet's bytes arrived before the span began
    const delivered = bytes - firstBytes;
    // the packets must arrive markedly slower than they were sent (the rate is then the link's)
    if (span * MAX_RATE_RATIO < newestSend - firstSend) return undefined;
    return (delivered * 8000) / span;
  }
}
