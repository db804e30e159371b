/**
 * Additive-increase/multiplicative-decrease rate control driven by the delay-based detector
 * (draft-ietf-rmcat-gcc-02 §5.5). The controller is in one of three states: increase, hold or
 * decrease. Overuse cuts the rate to a fraction (0.85) of what the receiver acknowledged; while
 * the path is normal the rate grows, multiplicatively (8% per second) when far from the rate at
 * which congestion last struck, additively (about a packet per response time) near it.
 * @module
 */

import type { BandwidthUsage } from './delay-based.ts';

/** Which way the controller is moving. */
export type RateControlState = 'increase' | 'hold' | 'decrease';

/** Tuning of {@link AimdRateControl}. */
export interface AimdOptions {
  /** Starting rate (bps). */
  initialBps: number;
  /** Floor (bps, default 30 000). */
  minBps?: number;
  /** Ceiling (bps, default 10 000 000). */
  maxBps?: number;
  /** Factor applied to the acknowledged rate on overuse (default 0.85). */
  beta?: number;
  /** Multiplicative growth per second far from the congestion point (default 1.08). */
  increasePerSecond?: number;
}

/** Inputs of one {@link AimdRateControl.update}. */
export interface AimdInput {
  /** Verdict of the delay-based detector. */
  usage: BandwidthUsage;
  /** Acknowledged receive rate (bps), if measured yet. */
  ackedBps: number | undefined;
  /** Current time (ms, sender clock). */
  nowMs: number;
  /** Round-trip time estimate (ms). */
  rttMs: number;
}

/** The increase is capped at this multiple of the acknowledged rate plus {@link ACKED_HEADROOM_BPS}. */
const ACKED_CAP_FACTOR = 1.5;
const ACKED_HEADROOM_BPS = 10_000;
/** Smoothing of the congestion-point (link capacity) estimate. */
const CAPACITY_ALPHA = 0.05;
/** Bounds of the relative standard deviation assumed for the congestion point. */
const MIN_REL_DEV = 0.05;
const MAX_REL_DEV = 0.5;
/** Frame rate and packet size assumed when turning a rate into "a packet". */
const ASSUMED_FPS = 30;
const MAX_PACKET_BITS = 1200 * 8;
const MIN_ADDITIVE_BPS_PER_S = 4000;
/** Longest gap an increase step is computed over (ms): no leap after a pause in feedback. */
const MAX_STEP_MS = 1000;

/**
 * AIMD controller. Call {@link update} once per feedback with the detector's verdict; read
 * {@link bps}.
 */
export class AimdRateControl {
  readonly #minBps: number;
  readonly #maxBps: number;
  readonly #beta: number;
  readonly #increasePerSecond: number;
  #bps: number;
  #state: RateControlState = 'increase';
  #lastChangeMs: number | undefined;
  #lastDecreaseMs = -Infinity;
  /** Smoothed acknowledged rate at past decreases (the congestion point), and its relative variance. */
  #capacityBps: number | undefined;
  #relVar = 0.01;

  /** @throws RangeError on inconsistent bounds or factors. */
  constructor(opts: AimdOptions) {
    this.#minBps = opts.minBps ?? 30_000;
    this.#maxBps = opts.maxBps ?? 10_000_000;
    this.#beta = opts.beta ?? 0.85;
    this.#increasePerSecond = opts.increasePerSecond ?? 1.08;
    if (!(this.#minBps > 0 && this.#minBps <= this.#maxBps)) throw new RangeError(`bad bounds ${this.#minBps}..${this.#maxBps}`);
    if (!(this.#beta > 0 && this.#beta < 1)) throw new RangeError(`beta must be in (0, 1), got ${this.#beta}`);
    if (!(this.#increasePerSecond > 1)) throw new RangeError(`increasePerSecond must be > 1, got ${this.#increasePerSecond}`);
    this.#bps = this.#clamp(opts.initialBps);
  }

  /** Current rate (bps). */
  get bps(): number {
    return this.#bps;
  }

  /** Current state. */
  get state(): RateControlState {
    return this.#state;
  }

  /** Estimated congestion point (bps): smoothed acknowledged rate at decreases, if any yet. */
  get capacityBps(): number | undefined {
    return this.#capacityBps;
  }

  /** Whether `bps` lies within three standard deviations of the congestion point. */
  nearCapacity(bps: number): boolean {
    const c = this.#capacityBps;
    if (c === undefined) return false;
    return Math.abs(bps - c) <= 3 * this.#devBps(c);
  }

  /**
   * Whether an overuse verdict may cut again now: at most once per round trip (10..200 ms),
   * unless the rate is more than twice what the receiver acknowledges.
   */
  mayDecrease(nowMs: number, rttMs: number, ackedBps: number | undefined): boolean {
    if (nowMs - this.#lastDecreaseMs >= Math.min(200, Math.max(10, rttMs))) return true;
    return ackedBps !== undefined && ackedBps < 0.5 * this.#bps;
  }

  /** Runs the state machine one step and applies the resulting change; returns the new rate. */
  update(input: AimdInput): number {
    const { usage, ackedBps, nowMs, rttMs } = input;
    if (usage === 'overusing') {
      if (this.mayDecrease(nowMs, rttMs, ackedBps)) this.#decrease(ackedBps, nowMs);
      this.#lastChangeMs = nowMs;
      return this.#bps;
    }
    if (usage === 'underusing') this.#state = 'hold';
    else if (this.#state === 'hold' || this.#state === 'decrease') this.#state = 'increase';
    if (this.#state === 'increase') this.#increase(ackedBps, nowMs, rttMs);
    this.#lastChangeMs = nowMs;
    return this.#bps;
  }

  /** Sets the rate outright (a probe measured more capacity), keeping the state. */
  setBps(bps: number, nowMs: number): void {
    this.#bps = this.#clamp(bps);
    this.#lastChangeMs = nowMs;
  }

  #decrease(ackedBps: number | undefined, nowMs: number): void {
    const measured = ackedBps ?? this.#bps;
    // A cut never raises the rate; it goes to a fraction of what actually got through.
    this.#bps = this.#clamp(Math.min(this.#bps, this.#beta * measured));
    if (ackedBps !== undefined) this.#observeCapacity(ackedBps);
    this.#lastDecreaseMs = nowMs;
    this.#state = 'hold';
  }

  #increase(ackedBps: number | undefined, nowMs: number, rttMs: number): void {
    const last = this.#lastChangeMs;
    if (last === undefined) return;
    const dtMs = Math.min(Math.max(nowMs - last, 0), MAX_STEP_MS);
    // Acknowledged rate well above the congestion point: the path changed, forget it.
    const c = this.#capacityBps;
    if (c !== undefined && ackedBps !== undefined && ackedBps > c + 3 * this.#devBps(c)) this.#capacityBps = undefined;
    let next: number;
    if (this.nearCapacity(this.#bps)) {
      next = this.#bps + (this.#additiveBpsPerSecond(rttMs) * dtMs) / 1000;
    } else {
      // At least 1 kbps per second, so tiny rates still move.
      next = Math.max(this.#bps * this.#increasePerSecond ** (dtMs / 1000), this.#bps + dtMs);
    }
    if (ackedBps !== undefined) next = Math.min(next, Math.max(this.#bps, ACKED_CAP_FACTOR * ackedBps + ACKED_HEADROOM_BPS));
    this.#bps = this.#clamp(next);
  }

  /** About one packet per response time: the packet size is a frame's share of the rate. */
  #additiveBpsPerSecond(rttMs: number): number {
    const responseS = (2 * (rttMs + 100)) / 1000;
    const frameBits = this.#bps / ASSUMED_FPS;
    const packets = Math.max(1, Math.ceil(frameBits / MAX_PACKET_BITS));
    return Math.max(MIN_ADDITIVE_BPS_PER_S, frameBits / packets / responseS);
  }

  /** Folds an acknowledged rate measured at a decrease into the congestion-point estimate. */
  #observeCapacity(sampleBps: number): void {
    const c = this.#capacityBps;
    if (c === undefined || Math.abs(sampleBps - c) > 3 * this.#devBps(c)) {
      this.#capacityBps = sampleBps; // first sample, or the path changed: start over
      this.#relVar = 0.01;
      return;
    }
    const next = (1 - CAPACITY_ALPHA) * c + CAPACITY_ALPHA * sampleBps;
    const rel = (sampleBps - next) / next;
    this.#relVar = (1 - CAPACITY_ALPHA) * this.#relVar + CAPACITY_ALPHA * rel * rel;
    this.#capacityBps = next;
  }

  #devBps(c: number): number {
    return c * Math.min(MAX_REL_DEV, Math.max(MIN_REL_DEV, Math.sqrt(this.#relVar)));
  }

  #clamp(bps: number): number {
    return Math.min(this.#maxBps, Math.max(this.#minBps, bps));
  }
}
