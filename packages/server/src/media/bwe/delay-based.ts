/**
 * Delay-based congestion detection in the manner of Google Congestion Control
 * (draft-ietf-rmcat-gcc-02 §5): packets are grouped into short send bursts, the change in
 * one-way delay between consecutive groups is accumulated and smoothed, a least-squares slope
 * over the last groups measures whether a queue is building, and an adaptive threshold turns
 * that slope into a verdict: the path is overusing, underusing, or normal.
 *
 * Only differences of arrival times are used, so the receiver's clock offset cancels; its
 * drift against the sender's clock shows up as a tiny constant slope, far under the threshold.
 * @module
 */

/** What the delay signal says about the path. */
export type BandwidthUsage = 'normal' | 'overusing' | 'underusing';

/** Tuning of {@link DelayBasedDetector}; the defaults are GCC's. */
export interface DelayBasedOptions {
  /** Packets sent within this many ms of a group's first packet join that group (default 5). */
  burstMs?: number;
  /**
   * Number of groups the slope is fitted over (default 20). The first fit comes once half a
   * window has accrued (GCC waits for a full one), so a start into a narrow link is caught
   * before its queue fills: at 300 kbps of 1200-byte packets, 20 groups take 640 ms.
   */
  windowSize?: number;
  /** Exponential smoothing factor of the accumulated delay (default 0.9). */
  smoothing?: number;
  /** Gain applied to the slope before comparing it with the threshold (default 4). */
  gain?: number;
  /** Initial threshold (default 12.5); it adapts within 6..600. */
  initialThreshold?: number;
  /** Threshold adaptation rate while the trend exceeds it (default 0.0087). */
  kUp?: number;
  /** Threshold adaptation rate while the trend is below it (default 0.039). */
  kDown?: number;
  /** Time the trend must stay above the threshold before overuse is declared (ms, default 10). */
  overuseTimeMs?: number;
}

/** One completed send group: the last send time and last arrival time of its packets. */
interface Group {
  firstSendMs: number;
  lastSendMs: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

/** Groups whose delay changes by more than this are a clock jump or a stall: start over. */
const MAX_DELAY_JUMP_MS = 3000;
/** A burst never stretches over more than this much arrival time. */
const MAX_BURST_SPAN_MS = 100;
/** Slope samples are weighted by min(count, this): the trend is trusted more as data accrues. */
const MAX_DELTAS_WEIGHT = 60;
const THRESHOLD_MIN = 6;
const THRESHOLD_MAX = 600;
/** Trends this far above the threshold are spikes the threshold should not chase. */
const THRESHOLD_SPIKE = 15;
const MAX_ADAPT_STEP_MS = 100;

/**
 * Delay-based overuse detector: feed it received packets (send time in the sender's clock,
 * arrival time in the receiver's) in sequence order; read {@link state}.
 */
export class DelayBasedDetector {
  readonly #burstMs: number;
  readonly #windowSize: number;
  readonly #smoothing: number;
  readonly #gain: number;
  readonly #kUp: number;
  readonly #kDown: number;
  readonly #overuseTimeMs: number;
  /** Samples needed before the first fit: half a window, so a start into a queue is caught early. */
  readonly #minFit: number;
  // grouping
  #current: Group | undefined;
  #previous: Group | undefined;
  // trendline
  #accumulated = 0;
  #smoothed = 0;
  #firstArrivalMs: number | undefined;
  /** Ring of (arrival time since first, smoothed delay) samples. */
  readonly #xs: Float64Array;
  readonly #ys: Float64Array;
  #samples = 0;
  #next = 0;
  #deltas = 0;
  #slope = 0;
  #prevSlope = 0;
  // detector
  #threshold: number;
  #lastAdaptMs: number | undefined;
  #overuseMs = -1;
  #overuseHits = 0;
  #state: BandwidthUsage = 'normal';
  #groups = 0;

  /** @throws RangeError on a window smaller than 2 or a non-positive burst length. */
  constructor(opts: DelayBasedOptions = {}) {
    this.#burstMs = opts.burstMs ?? 5;
    this.#windowSize = opts.windowSize ?? 20;
    this.#smoothing = opts.smoothing ?? 0.9;
    this.#gain = opts.gain ?? 4;
    this.#threshold = opts.initialThreshold ?? 12.5;
    this.#kUp = opts.kUp ?? 0.0087;
    this.#kDown = opts.kDown ?? 0.039;
    this.#overuseTimeMs = opts.overuseTimeMs ?? 10;
    if (!(this.#burstMs > 0)) throw new RangeError(`burstMs must be > 0, got ${this.#burstMs}`);
    if (!Number.isInteger(this.#windowSize) || this.#windowSize < 2) throw new RangeError(`windowSize must be an integer ≥ 2, got ${this.#windowSize}`);
    this.#minFit = Math.max(2, Math.ceil(this.#windowSize / 2));
    this.#xs = new Float64Array(this.#windowSize);
    this.#ys = new Float64Array(this.#windowSize);
  }

  /** Current verdict. */
  get state(): BandwidthUsage {
    return this.#state;
  }

  /** Latest fitted slope of the smoothed delay (ms of delay per ms of time). */
  get slope(): number {
    return this.#slope;
  }

  /** Latest trend compared with the threshold: slope × min(deltas, 60) × gain. */
  get trend(): number {
    return Math.min(this.#deltas, MAX_DELTAS_WEIGHT) * this.#slope * this.#gain;
  }

  /** Current adaptive threshold. */
  get threshold(): number {
    return this.#threshold;
  }

  /** Number of send groups completed so far. */
  get groups(): number {
    return this.#groups;
  }

  /**
   * Feeds one received packet. Packets sent before the current group started (reordered, or
   * reported late) are ignored, as is anything with a non-finite time.
   */
  onPacket(sendTimeMs: number, arrivalTimeMs: number): void {
    if (!Number.isFinite(sendTimeMs) || !Number.isFinite(arrivalTimeMs)) return;
    const cur = this.#current;
    if (cur === undefined) {
      this.#current = { firstSendMs: sendTimeMs, lastSendMs: sendTimeMs, firstArrivalMs: arrivalTimeMs, lastArrivalMs: arrivalTimeMs };
      return;
    }
    if (sendTimeMs < cur.firstSendMs) return;
    if (this.#joins(cur, sendTimeMs, arrivalTimeMs)) {
      cur.lastSendMs = Math.max(cur.lastSendMs, sendTimeMs);
      cur.lastArrivalMs = Math.max(cur.lastArrivalMs, arrivalTimeMs);
      return;
    }
    const prev = this.#previous;
    this.#previous = cur;
    this.#current = { firstSendMs: sendTimeMs, lastSendMs: sendTimeMs, firstArrivalMs: arrivalTimeMs, lastArrivalMs: arrivalTimeMs };
    this.#groups++;
    if (prev === undefined) return;
    const sendDelta = cur.lastSendMs - prev.lastSendMs;
    const arrivalDelta = cur.lastArrivalMs - prev.lastArrivalMs;
    if (Math.abs(arrivalDelta - sendDelta) > MAX_DELAY_JUMP_MS) {
      this.#restart();
      return;
    }
    if (arrivalDelta < 0) return; // reordered across groups: no usable delta
    this.#onDelta(sendDelta, arrivalDelta, cur.lastArrivalMs);
  }

  /** Whether a packet belongs to the open group: same 5 ms send burst, or queued behind it. */
  #joins(g: Group, sendMs: number, arrivalMs: number): boolean {
    if (sendMs - g.firstSendMs <= this.#burstMs) return true;
    // A packet that arrived within a burst interval of the group's last one, sooner than its
    // send spacing would allow, was released by the same queue drain: count it with the group.
    const arrivalGap = arrivalMs - g.lastArrivalMs;
    const sendGap = sendMs - g.lastSendMs;
    return arrivalGap <= this.#burstMs && arrivalGap - sendGap < 0 && arrivalMs - g.firstArrivalMs < MAX_BURST_SPAN_MS;
  }

  /** Trendline update with one inter-group delay variation, then detection. */
  #onDelta(sendDelta: number, arrivalDelta: number, arrivalMs: number): void {
    this.#deltas++;
    this.#accumulated += arrivalDelta - sendDelta;
    this.#smoothed = this.#smoothing * this.#smoothed + (1 - this.#smoothing) * this.#accumulated;
    this.#firstArrivalMs ??= arrivalMs;
    this.#xs[this.#next] = arrivalMs - this.#firstArrivalMs;
    this.#ys[this.#next] = this.#smoothed;
    this.#next = (this.#next + 1) % this.#windowSize;
    if (this.#samples < this.#windowSize) this.#samples++;
    if (this.#samples >= this.#minFit) this.#slope = this.#fitSlope() ?? this.#slope;
    this.#detect(sendDelta, arrivalMs);
  }

  /** Least-squares slope of the samples in the window, undefined if x does not vary. */
  #fitSlope(): number | undefined {
    const n = this.#samples;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += this.#xs[i]!;
      sy += this.#ys[i]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const dx = this.#xs[i]! - mx;
      num += dx * (this.#ys[i]! - my);
      den += dx * dx;
    }
    return den === 0 ? undefined : num / den;
  }

  /** Compares the trend with the adaptive threshold and updates the verdict. */
  #detect(sendDelta: number, nowMs: number): void {
    if (this.#deltas < 2) return;
    const m = this.trend;
    if (m > this.#threshold) {
      this.#overuseMs = this.#overuseMs < 0 ? sendDelta / 2 : this.#overuseMs + sendDelta;
      this.#overuseHits++;
      if (this.#overuseMs > this.#overuseTimeMs && this.#overuseHits > 1 && this.#slope >= this.#prevSlope) {
        this.#overuseMs = 0;
        this.#overuseHits = 0;
        this.#state = 'overusing';
      }
    } else {
      this.#overuseMs = -1;
      this.#overuseHits = 0;
      this.#state = m < -this.#threshold ? 'underusing' : 'normal';
    }
    this.#prevSlope = this.#slope;
    this.#adaptThreshold(m, nowMs);
  }

  /**
   * Moves the threshold toward |trend|: slowly up while the trend exceeds it, faster down while
   * below, so a steady competing flow does not starve this one, and large spikes are ignored.
   */
  #adaptThreshold(m: number, nowMs: number): void {
    const last = this.#lastAdaptMs;
    this.#lastAdaptMs = nowMs;
    if (last === undefined) return;
    const abs = Math.abs(m);
    if (abs > this.#threshold + THRESHOLD_SPIKE) return;
    const k = abs < this.#threshold ? this.#kDown : this.#kUp;
    const dt = Math.min(Math.max(nowMs - last, 0), MAX_ADAPT_STEP_MS);
    this.#threshold = Math.min(THRESHOLD_MAX, Math.max(THRESHOLD_MIN, this.#threshold + k * (abs - this.#threshold) * dt));
  }

  /** Forgets the delay history (after a clock jump or a long stall); the verdict turns normal. */
  #restart(): void {
    this.#previous = undefined;
    this.#accumulated = 0;
    this.#smoothed = 0;
    this.#firstArrivalMs = undefined;
    this.#samples = 0;
    this.#next = 0;
    this.#deltas = 0;
    this.#slope = 0;
    this.#prevSlope = 0;
    this.#overuseMs = -1;
    this.#overuseHits = 0;
    this.#state = 'normal';
  }
}
