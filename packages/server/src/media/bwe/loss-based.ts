/**
 * Loss-based rate control (draft-ietf-rmcat-gcc-02 §6): the fraction of packets the subscriber
 * reports lost, measured over windows of feedback, caps the sending rate. Heavy loss (> 10%)
 * cuts the rate by half the loss fraction; light loss (< 2%) lets it grow by 8% over the lowest
 * rate of the last second; anything in between holds it.
 * @module
 */

/** Tuning of {@link LossBasedController}. */
export interface LossBasedOptions {
  /** Rate before any loss window has closed (bps). */
  initialBps: number;
  /** Floor of the rate (bps, default 30 000). */
  minBps?: number;
  /** Ceiling of the rate (bps, default 10 000 000). */
  maxBps?: number;
  /** A window closes once it covers this many packets (default 20). */
  windowPackets?: number;
  /** Loss above this fraction decreases the rate (default 0.1). */
  highLoss?: number;
  /** Loss below this fraction lets the rate increase (default 0.02). */
  lowLoss?: number;
  /** Increase factor over the lowest rate of the last {@link increaseSpanMs} (default 1.08). */
  increaseFactor?: number;
  /** Span over which the increase base is the lowest rate seen (ms, default 1000). */
  increaseSpanMs?: number;
  /** Two decreases are at least this far apart, plus one RTT (ms, default 300). */
  decreaseIntervalMs?: number;
}

/** History entries kept for the increase base; more than a second's worth of windows is moot. */
const HISTORY = 64;

/**
 * Loss-based controller. Feed it packet outcomes ({@link onPackets}); each time a window of
 * enough packets closes, call sites get the window's loss fraction back and the rate is updated
 * against the current overall target (the rate actually in force, which may be lower than this
 * controller's own because of the delay-based controller).
 */
export class LossBasedController {
  readonly #minBps: number;
  readonly #maxBps: number;
  readonly #windowPackets: number;
  readonly #highLoss: number;
  readonly #lowLoss: number;
  readonly #increaseFactor: number;
  readonly #increaseSpanMs: number;
  readonly #decreaseIntervalMs: number;
  #bps: number;
  #lost = 0;
  #total = 0;
  #lossRate = 0;
  #averageLoss = 0;
  #lastDecreaseMs = -Infinity;
  /** Ring of (time, target) for the lowest target over the increase span. */
  readonly #histMs = new Float64Array(HISTORY);
  readonly #histBps = new Float64Array(HISTORY);
  #histStart = 0;
  #histLen = 0;

  /** @throws RangeError on a non-positive window or inconsistent thresholds. */
  constructor(opts: LossBasedOptions) {
    this.#minBps = opts.minBps ?? 30_000;
    this.#maxBps = opts.maxBps ?? 10_000_000;
    this.#windowPackets = opts.windowPackets ?? 20;
    this.#highLoss = opts.highLoss ?? 0.1;
    this.#lowLoss = opts.lowLoss ?? 0.02;
    this.#increaseFactor = opts.increaseFactor ?? 1.08;
    this.#increaseSpanMs = opts.increaseSpanMs ?? 1000;
    this.#decreaseIntervalMs = opts.decreaseIntervalMs ?? 300;
    if (!(this.#windowPackets >= 1)) throw new RangeError(`windowPackets must be ≥ 1, got ${this.#windowPackets}`);
    if (!(this.#lowLoss <= this.#highLoss)) throw new RangeError(`lowLoss ${this.#lowLoss} exceeds highLoss ${this.#highLoss}`);
    this.#bps = this.#clamp(opts.initialBps);
  }

  /** This controller's rate (bps): an upper bound on the overall target. */
  get bps(): number {
    return this.#bps;
  }

  /** Loss fraction of the last closed window (0 before the first). */
  get lossRate(): number {
    return this.#lossRate;
  }

  /** Exponentially weighted loss fraction over closed windows (weight 0.3 on the newest). */
  get averageLoss(): number {
    return this.#averageLoss;
  }

  /**
   * Counts packet outcomes: `lost` newly reported lost, `received` newly reported received, and
   * `recovered` previously counted lost but received after all (taken back off the lost count of
   * the open window, never below zero). Returns the loss fraction when this closes a window,
   * otherwise undefined; the caller then passes it to {@link update}.
   */
  onPackets(received: number, lost: number, recovered = 0): number | undefined {
    this.#total += received + lost;
    this.#lost = Math.max(0, this.#lost + lost - recovered);
    if (this.#total < this.#windowPackets) return undefined;
    this.#lossRate = Math.min(1, this.#lost / this.#total);
    this.#averageLoss = 0.7 * this.#averageLoss + 0.3 * this.#lossRate;
    this.#lost = 0;
    this.#total = 0;
    return this.#lossRate;
  }

  /**
   * Applies a closed window's loss fraction. `targetBps` is the overall target in force now,
   * `rttMs` the current round-trip estimate (it spaces decreases). Returns the new rate.
   */
  update(lossRate: number, targetBps: number, nowMs: number, rttMs: number): number {
    if (lossRate > this.#highLoss) {
      if (nowMs - this.#lastDecreaseMs >= this.#decreaseIntervalMs + rttMs) {
        this.#bps = this.#clamp(Math.min(this.#bps, targetBps) * (1 - 0.5 * lossRate));
        this.#lastDecreaseMs = nowMs;
        this.reset(this.#bps, nowMs);
      }
    } else if (lossRate < this.#lowLoss) {
      const base = Math.min(this.#lowestSince(nowMs - this.#increaseSpanMs) ?? targetBps, targetBps);
      this.#bps = this.#clamp(Math.max(base * this.#increaseFactor + 1000, Math.min(this.#bps, targetBps)));
    }
    return this.#bps;
  }

  /**
   * Notes that the overall target was cut at `nowMs` by something else (the delay-based
   * controller): losses in the following 300 ms + RTT belong to the same congestion episode,
   * already answered, and do not cut again.
   */
  onTargetCut(nowMs: number): void {
    if (nowMs > this.#lastDecreaseMs) this.#lastDecreaseMs = nowMs;
  }

  /** Records the overall target in force at `nowMs`, the base of future increases. */
  recordTarget(targetBps: number, nowMs: number): void {
    if (this.#histLen === HISTORY) {
      this.#histStart = (this.#histStart + 1) % HISTORY;
      this.#histLen--;
    }
    const i = (this.#histStart + this.#histLen) % HISTORY;
    this.#histMs[i] = nowMs;
    this.#histBps[i] = targetBps;
    this.#histLen++;
  }

  /** Sets the rate outright (after a probe proved more capacity), forgetting the history. */
  reset(bps: number, nowMs: number): void {
    this.#bps = this.#clamp(bps);
    this.#histLen = 0;
    this.recordTarget(this.#bps, nowMs);
  }

  /** Lowest recorded target at or after `sinceMs` (older entries are dropped), if any. */
  #lowestSince(sinceMs: number): number | undefined {
    while (this.#histLen > 0 && this.#histMs[this.#histStart]! < sinceMs) {
      this.#histStart = (this.#histStart + 1) % HISTORY;
      this.#histLen--;
    }
    let low: number | undefined;
    for (let k = 0; k < this.#histLen; k++) {
      const v = this.#histBps[(this.#histStart + k) % HISTORY]!;
      if (low === undefined || v < low) low = v;
    }
    return low;
  }

  #clamp(bps: number): number {
    return Math.min(this.#maxBps, Math.max(this.#minBps, bps));
  }
}
