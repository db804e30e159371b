/**
 * Send-side bandwidth estimation for one subscriber leg: the server stamps every packet it sends
 * with a transport-wide sequence number, the subscriber's browser answers with transport-wide
 * feedback, and this estimator turns the two into a target rate, the minimum of a delay-based
 * AIMD controller and a loss-based one (draft-ietf-rmcat-gcc-02), raised faster than AIMD
 * allows by probe bursts when the owner sends them, and cut at once below what the link
 * delivers when a queue is seen building at it (`queue-buildup.ts`: a link that narrowed
 * suddenly, seen a few feedback intervals before the trendline sees it).
 *
 * Everything is driven by the caller's clock (`nowMs` arguments); nothing here reads a clock or
 * sets a timer.
 *
 * Not done here (yet):
 * - Sending probes: {@link BandwidthEstimator.pollProbe} says when and how fast, the owner must
 *   produce the padding (or early media) packets. Without probes the estimate grows by AIMD
 *   only, 8% a second: 300 kbps → 1.5 Mbps takes about 22 s instead of a fraction of one.
 * - Application-limited (ALR) detection: periodic probes run only while a desired rate above the
 *   estimate is set ({@link BandwidthEstimator.setDesiredBps}).
 * - Feedback timeout: if feedback stops, the estimate stays where it was.
 * - RTT comes from feedback alone (newest acknowledged packet's age at feedback time), so it
 *   includes the feedback interval and any queueing; it only paces decreases and additive increase.
 * - Lost feedback packets (gaps in `fbPktCount`) are not detected; their packets count neither as
 *   received nor as lost.
 * @module
 */

import type { TwccFeedback } from '../interceptors/twcc-feedback.ts';
import { AckedBitrate } from './acked-bitrate.ts';
import { DelayBasedDetector, type BandwidthUsage } from './delay-based.ts';
import { LossBasedController } from './loss-based.ts';
import { ProbeController, type ProbeRequest } from './probe-controller.ts';
import { ProbeRateMeter } from './probe-rate.ts';
import { QueueBuildupDetector } from './queue-buildup.ts';
import { AimdRateControl } from './rate-control.ts';
import { SendHistory } from './send-history.ts';

/** Configuration of {@link BandwidthEstimator}. */
export interface BandwidthEstimatorConfig {
  /** Estimate before any feedback (bps, default 1 000 000). */
  initialBps?: number;
  /** Floor of the estimate (bps, default 30 000). */
  minBps?: number;
  /** Ceiling of the estimate (bps, default 10 000 000). */
  maxBps?: number;
  /**
   * Whether {@link BandwidthEstimator.pollProbe} hands out probes (default true). Without
   * probes the estimate only grows by AIMD, 8% a second.
   */
  probing?: boolean;
  /** Interval of probes while the desired rate exceeds the estimate (ms, default 5000; 0 disables). */
  periodicProbeMs?: number;
}

/** Loss above this fraction counts as congestion: no probe result is accepted then. */
const HIGH_LOSS = 0.1;
/** RTT assumed before feedback gives one (ms). */
const DEFAULT_RTT_MS = 100;
/** A probe raises the estimate by at most this factor. */
const PROBE_STEP_MAX = 2;
/** A loss-based cut never goes below this share of the acknowledged rate. */
const ACKED_FLOOR = 0.85;
/** A queue building cuts the rate to this share of what the bottleneck delivers (as GCC's overuse cut does to the acknowledged rate). */
const QUEUE_BETA = 0.85;
/** Weight of a new RTT sample. */
const RTT_ALPHA = 0.125;

/** Target-rate estimator for one leg; see the module documentation. */
export class BandwidthEstimator {
  readonly #minBps: number;
  readonly #maxBps: number;
  readonly #probing: boolean;
  readonly #history = new SendHistory();
  readonly #acked = new AckedBitrate();
  readonly #delay = new DelayBasedDetector();
  readonly #queue = new QueueBuildupDetector();
  /** Whether the last feedback showed a queue building (see {@link QueueBuildupDetector}). */
  #queueBuilding = false;
  readonly #aimd: AimdRateControl;
  readonly #loss: LossBasedController;
  readonly #meter = new ProbeRateMeter();
  readonly #prober: ProbeController;
  #estimateBps: number;
  #rttMs: number | undefined;

  /** @throws RangeError on bounds that are not 0 < minBps ≤ maxBps. */
  constructor(config: BandwidthEstimatorConfig = {}) {
    this.#minBps = config.minBps ?? 30_000;
    this.#maxBps = config.maxBps ?? 10_000_000;
    if (!(this.#minBps > 0 && this.#minBps <= this.#maxBps)) throw new RangeError(`need 0 < minBps ≤ maxBps, got ${this.#minBps}..${this.#maxBps}`);
    const initialBps = this.#clamp(config.initialBps ?? 1_000_000);
    const bounds = { minBps: this.#minBps, maxBps: this.#maxBps };
    this.#aimd = new AimdRateControl({ initialBps, ...bounds });
    this.#loss = new LossBasedController({ initialBps, ...bounds, highLoss: HIGH_LOSS });
    this.#probing = config.probing ?? true;
    this.#prober = new ProbeController({ initialBps, maxBps: this.#maxBps, periodicMs: config.periodicProbeMs ?? 5000 });
    this.#estimateBps = initialBps;
  }

  /** Current target rate (bps): min(delay-based, loss-based), within the configured bounds. */
  get estimateBps(): number {
    return this.#estimateBps;
  }

  /** Rate of the delay-based AIMD controller alone (bps). */
  get delayBasedBps(): number {
    return this.#aimd.bps;
  }

  /** Rate of the loss-based controller alone (bps). */
  get lossBasedBps(): number {
    return this.#loss.bps;
  }

  /** Verdict of the delay-based detector. */
  get state(): BandwidthUsage {
    return this.#delay.state;
  }

  /** Loss fraction of the last closed loss window (0 before the first). */
  get lossRate(): number {
    return this.#loss.lossRate;
  }

  /** Rate the subscriber acknowledged over the last half second (bps), once measured. */
  get ackedBps(): number | undefined {
    return this.#acked.bps;
  }

  /** Smoothed round-trip time seen through feedback (ms), including the feedback interval. */
  get rttMs(): number | undefined {
    return this.#rttMs;
  }

  /** Whether a probe burst has been sent and not yet measured (or given up on). */
  get isProbing(): boolean {
    return this.#meter.pending > 0 || this.#prober.inSeries;
  }

  /**
   * Records a packet just sent: its 16-bit transport-wide sequence number, size on the wire
   * (bytes) and the send time. Packets of a probe burst pass the burst's {@link ProbeRequest.id}
   * as `probeClusterId`. Allocates nothing unless a probe cluster starts.
   */
  onPacketSent(seq: number, sizeBytes: number, nowMs: number, probeClusterId = -1): void {
    this.#history.onPacketSent(seq, sizeBytes, nowMs, probeClusterId);
    if (probeClusterId >= 0) this.#meter.onSent(probeClusterId, nowMs);
  }

  /**
   * Processes one decoded transport-wide feedback packet received at `nowMs`, in any order and
   * even twice; returns the new estimate (bps).
   */
  onFeedback(feedback: TwccFeedback, nowMs: number): number {
    const results = this.#history.onFeedback(feedback);
    const inRun = this.#queue.beginFeedback(feedback.fbPktCount);
    this.#meter.expire(nowMs);
    if (results.length === 0) return this.#estimateBps;
    let received = 0;
    let lost = 0;
    let recovered = 0;
    let newestSendMs = -Infinity;
    let probeBps: number | undefined;
    for (const r of results) {
      if (!r.received) {
        lost++;
        continue;
      }
      if (r.recovered) recovered++;
      else received++;
      if (r.sendTimeMs > newestSendMs) newestSendMs = r.sendTimeMs;
      this.#acked.onReceived(r.arrivalTimeMs, r.sizeBytes);
      this.#delay.onPacket(r.sendTimeMs, r.arrivalTimeMs);
      if (inRun) this.#queue.onPacket(r.sendTimeMs, r.arrivalTimeMs, r.sizeBytes);
      if (r.probeCluster >= 0) {
        const bps = this.#meter.onReceived(r.probeCluster, r.sendTimeMs, r.arrivalTimeMs, r.sizeBytes);
        if (bps !== undefined) {
          this.#prober.onResult(r.probeCluster, bps);
          probeBps = Math.max(probeBps ?? 0, bps);
        }
      }
    }
    if (newestSendMs > -Infinity && nowMs >= newestSendMs) {
      const sample = nowMs - newestSendMs;
      this.#rttMs = this.#rttMs === undefined ? sample : (1 - RTT_ALPHA) * this.#rttMs + RTT_ALPHA * sample;
    }
    const rttMs = this.#rttMs ?? DEFAULT_RTT_MS;
    const window = this.#loss.onPackets(received, lost, recovered);
    // the smoothed loss decides: one 20-packet window of random loss often reads 10–15% where
    // the link loses 5% (a lossy Wi-Fi), and cutting on it pins the estimate to what is sent
    if (window !== undefined) this.#loss.update(Math.min(window, this.#loss.averageLoss), this.#estimateBps, nowMs, rttMs);
    const usage = this.#delay.state;
    this.#aimd.update({ usage, ackedBps: this.#acked.bps, nowMs, rttMs });
    if (probeBps !== undefined && !this.#congested() && probeBps > this.#estimateBps) {
      // at most a doubling per probe: a burst that fits a token bucket's allowance (a shaped
      // link passes its first few kilobytes at line rate) reads as far more than the link carries
      const bps = Math.min(probeBps, PROBE_STEP_MAX * this.#estimateBps);
      this.#aimd.setBps(bps, nowMs);
      this.#loss.reset(bps, nowMs);
    }
    // a queue building at the bottleneck, seen well before the trendline calls it: the rate the
    // link delivers meanwhile is its capacity, and the rate goes below it so the queue drains
    const deliveredBps = inRun ? this.#queue.poll() : undefined;
    this.#queueBuilding = deliveredBps !== undefined;
    if (deliveredBps !== undefined && QUEUE_BETA * deliveredBps < this.#aimd.bps) this.#aimd.setBps(QUEUE_BETA * deliveredBps, nowMs);
    const previous = this.#estimateBps;
    // what the link demonstrably delivered bounds a loss-driven cut: a burst far above a cap
    // (a viewer's link that just narrowed) loses most of it, and cutting by that loss again
    // each window would take the estimate to the floor while the link still carries its rate
    const acked = this.#acked.bps;
    const lossBps = acked === undefined ? this.#loss.bps : Math.max(this.#loss.bps, ACKED_FLOOR * acked);
    this.#estimateBps = this.#clamp(Math.min(this.#aimd.bps, lossBps));
    if (this.#estimateBps < previous && this.#aimd.bps < this.#loss.bps) this.#loss.onTargetCut(nowMs);
    this.#loss.recordTarget(this.#estimateBps, nowMs);
    return this.#estimateBps;
  }

  /**
   * Tells the estimator the rate the leg would send if it could (bps), e.g. the best layers of
   * what the subscriber watches; undefined if unknown. It caps probes and, while above the
   * estimate, enables periodic probing.
   */
  setDesiredBps(bps: number | undefined): void {
    this.#prober.setDesiredBps(bps);
  }

  /**
   * Returns the probe burst the owner should send now, if any (never while probing is
   * disabled). The owner sends `max(minPackets, bitrateBps × durationMs / 8000 / size)` padding
   * or media packets paced at `bitrateBps`, passing `id` to {@link onPacketSent}.
   */
  pollProbe(nowMs: number): ProbeRequest | undefined {
    if (!this.#probing) return undefined;
    return this.#prober.poll(nowMs, this.#estimateBps, this.#congested());
  }

  /** Whether delay says overuse or a queue is building, or loss (last window or its average) is high. */
  #congested(): boolean {
    return this.#delay.state === 'overusing' || this.#queueBuilding || Math.max(this.#loss.lossRate, this.#loss.averageLoss) > HIGH_LOSS;
  }

  #clamp(bps: number): number {
    return Math.min(this.#maxBps, Math.max(this.#minBps, bps));
  }
}
