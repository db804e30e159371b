/**
 * Test helper, not part of the package: a deterministic simulated path for the bandwidth
 * estimator. Packets go through a bottleneck of `capacityBps` with a drop-tail queue, then
 * random loss, then a fixed propagation delay; the receiver records arrivals in rtcroom's own
 * {@link TwccFeedbackGenerator} and flushes it every `feedbackIntervalMs`; the encoded feedback
 * is decoded again and reaches the sender `returnDelayMs` later. Simulated time only.
 * @module
 */

import { TwccFeedbackGenerator, decodeTwccFeedback, type TwccFeedback } from '../interceptors/twcc-feedback.ts';
import { BandwidthEstimator, type BandwidthEstimatorConfig } from './estimator.ts';
import type { BandwidthUsage } from './delay-based.ts';

/** Shape of the simulated path. */
export interface LinkOptions {
  /** Bottleneck rate (bps, default Infinity: no bottleneck). Mutable on the link. */
  capacityBps?: number;
  /** One-way delay after the bottleneck (ms, default 20). */
  propagationMs?: number;
  /** Drop-tail queue size at the bottleneck (bytes, default 100 000). */
  queueBytes?: number;
  /** Extra one-way delay drawn uniformly from [0, jitterMs) per packet, order kept (default 0). */
  jitterMs?: number;
  /** Random loss fraction after the bottleneck (default 0). Mutable on the link. */
  lossRate?: number;
  /** Seed of the loss generator (default 1). */
  seed?: number;
  /** Receiver's feedback period (ms, default 50). */
  feedbackIntervalMs?: number;
  /** Delay of feedback on its way back (ms, default = propagationMs). */
  returnDelayMs?: number;
  /** Receiver clock minus sender clock (ms, default 123 456.7). */
  clockOffsetMs?: number;
}

/** Deterministic PRNG (mulberry32) in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A simulated path; see the module documentation. */
export class TestLink {
  /** Bottleneck rate (bps); a change applies to packets entering afterwards. */
  capacityBps: number;
  /** Random loss fraction. */
  lossRate: number;
  readonly #propagationMs: number;
  readonly #jitterMs: number;
  #lastArrivalMs = -Infinity;
  readonly #queueBytes: number;
  readonly #intervalMs: number;
  readonly #returnMs: number;
  readonly #offsetMs: number;
  readonly #random: () => number;
  readonly #gen: TwccFeedbackGenerator;
  readonly #wire: Buffer[] = [];
  /** Arrivals (sender clock) not yet handed to the receiver, in arrival order. */
  #arrivals: { seq: number; atMs: number }[] = [];
  /** Feedback on its way back: when it reaches the sender, and what it says. */
  readonly #returning: { atMs: number; fb: TwccFeedback }[] = [];
  /** When the bottleneck finishes sending everything queued so far. */
  #busyUntilMs = -Infinity;
  #nextFlushMs: number | undefined;
  /** Packets offered, dropped by the queue, lost at random, and delivered. */
  readonly stats = { sent: 0, queueDrops: 0, randomLosses: 0, delivered: 0, maxQueueMs: 0 };

  /** Builds the path; nothing happens until packets are sent. */
  constructor(opts: LinkOptions = {}) {
    this.capacityBps = opts.capacityBps ?? Infinity;
    this.lossRate = opts.lossRate ?? 0;
    this.#propagationMs = opts.propagationMs ?? 20;
    this.#jitterMs = opts.jitterMs ?? 0;
    this.#queueBytes = opts.queueBytes ?? 100_000;
    this.#intervalMs = opts.feedbackIntervalMs ?? 50;
    this.#returnMs = opts.returnDelayMs ?? this.#propagationMs;
    this.#offsetMs = opts.clockOffsetMs ?? 123_456.7;
    this.#random = prng(opts.seed ?? 1);
    this.#gen = new TwccFeedbackGenerator({ senderSsrc: 1, mediaSsrc: 2, send: (b) => this.#wire.push(b), now: () => 0 });
  }

  /** Queueing delay a packet entering at `nowMs` would see (ms). */
  queueDelayMs(nowMs: number): number {
    return Math.max(0, this.#busyUntilMs - nowMs);
  }

  /** Offers a packet to the path at `nowMs`; calls must come in nondecreasing time. */
  send(seq: number, sizeBytes: number, nowMs: number): void {
    this.stats.sent++;
    this.#nextFlushMs ??= nowMs + this.#intervalMs;
    const queuedMs = this.queueDelayMs(nowMs);
    const serviceMs = (sizeBytes * 8000) / this.capacityBps;
    if (Number.isFinite(this.capacityBps) && ((queuedMs * this.capacityBps) / 8000 + sizeBytes > this.#queueBytes)) {
      this.stats.queueDrops++;
      return;
    }
    this.#busyUntilMs = Math.max(nowMs, this.#busyUntilMs) + serviceMs;
    this.stats.maxQueueMs = Math.max(this.stats.maxQueueMs, queuedMs);
    if (this.#random() < this.lossRate) {
      this.stats.randomLosses++;
      return;
    }
    this.stats.delivered++;
    const jitter = this.#jitterMs > 0 ? this.#random() * this.#jitterMs : 0;
    this.#lastArrivalMs = Math.max(this.#lastArrivalMs, this.#busyUntilMs + this.#propagationMs + jitter);
    this.#arrivals.push({ seq: seq & 0xffff, atMs: this.#lastArrivalMs });
  }

  /** Advances the receiver to `nowMs` and returns the feedback that reached the sender by then. */
  poll(nowMs: number): TwccFeedback[] {
    while (this.#nextFlushMs !== undefined && this.#nextFlushMs <= nowMs) {
      const at = this.#nextFlushMs;
      let k = 0;
      while (k < this.#arrivals.length && this.#arrivals[k]!.atMs <= at) {
        const a = this.#arrivals[k++]!;
        this.#gen.onPacket(a.seq, a.atMs + this.#offsetMs);
      }
      this.#arrivals = this.#arrivals.slice(k);
      this.#gen.flush();
      for (const b of this.#wire.splice(0)) this.#returning.push({ atMs: at + this.#returnMs, fb: decodeTwccFeedback(b) });
      this.#nextFlushMs = at + this.#intervalMs;
    }
    let n = 0;
    while (n < this.#returning.length && this.#returning[n]!.atMs <= nowMs) n++;
    return this.#returning.splice(0, n).map((r) => r.fb);
  }
}

/** One point of a simulation's time series. */
export interface Sample {
  /** Simulated time (ms). */
  tMs: number;
  /** {@link BandwidthEstimator.estimateBps} then. */
  estimateBps: number;
  /** {@link BandwidthEstimator.state} then. */
  state: BandwidthUsage;
  /** {@link BandwidthEstimator.lossRate} then. */
  lossRate: number;
  /** Media rate the sender paced at (bps), probes excluded. */
  sendBps: number;
  /** Queueing delay at the bottleneck (ms). */
  queueMs: number;
}

/** A closed-loop run: a sender pacing at min(offered, estimate) over a {@link TestLink}. */
export interface Scenario {
  /** Simulated length (ms). */
  durationMs: number;
  /** Rate the application would send (bps); the sender sends min(this, estimate). */
  offeredBps: number;
  /** The path. */
  link?: LinkOptions;
  /** Estimator configuration. */
  config?: BandwidthEstimatorConfig;
  /** First transport-wide sequence number (default 0). */
  startSeq?: number;
  /** Packet size (bytes, default 1200). */
  packetBytes?: number;
  /** Whether the sender sends the probes the estimator asks for (default true). */
  sendProbes?: boolean;
  /** Called every simulated ms before sending, to change the path or inspect. */
  onTick?: (tMs: number, link: TestLink, est: BandwidthEstimator) => void;
  /** Rewrites each batch of feedback before the estimator sees it (reorder, duplicate, drop). */
  mangle?: (batch: TwccFeedback[], tMs: number) => TwccFeedback[];
  /** Sampling period of the returned series (ms, default 100). */
  sampleMs?: number;
}

/** Result of {@link simulate}. */
export interface SimResult {
  /** The estimate and path state every {@link Scenario.sampleMs}. */
  samples: Sample[];
  /** The path, with its {@link TestLink.stats}. */
  link: TestLink;
  /** The estimator, in its final state. */
  estimator: BandwidthEstimator;
  /** Probe bursts the sender sent. */
  probesSent: number;
}

/** Runs a scenario in 1 ms steps and returns the estimate over time. */
export function simulate(s: Scenario): SimResult {
  const config = s.config ?? {};
  const est = new BandwidthEstimator(config);
  est.setDesiredBps(s.offeredBps);
  const link = new TestLink(s.link);
  const size = s.packetBytes ?? 1200;
  const sampleMs = s.sampleMs ?? 100;
  let seq = s.startSeq ?? 0;
  let budget = 0;
  /** Probe packets still to send, in time order; a burst starts after the previous one ends. */
  const probes: { atMs: number; id: number }[] = [];
  let lastProbeMs = -Infinity;
  let probesSent = 0;
  const samples: Sample[] = [];
  const send = (t: number, cluster: number): void => {
    est.onPacketSent(seq, size, t, cluster);
    link.send(seq, size, t);
    seq = (seq + 1) & 0xffff;
  };
  for (let t = 0; t <= s.durationMs; t++) {
    s.onTick?.(t, link, est);
    let batch = link.poll(t);
    if (s.mangle) batch = s.mangle(batch, t);
    for (const fb of batch) est.onFeedback(fb, t);
    if (s.sendProbes ?? true) {
      const req = est.pollProbe(t);
      if (req) {
        probesSent++;
        const n = Math.max(req.minPackets, Math.ceil((req.bitrateBps * req.durationMs) / 8000 / size));
        const gap = (size * 8000) / req.bitrateBps;
        const start = Math.max(t, lastProbeMs + gap);
        for (let k = 0; k < n; k++) probes.push({ atMs: start + k * gap, id: req.id });
        lastProbeMs = start + (n - 1) * gap;
      }
    }
    while (probes.length > 0 && probes[0]!.atMs <= t) {
      const p = probes.shift()!;
      send(p.atMs, p.id);
    }
    const rate = Math.min(s.offeredBps, est.estimateBps);
    budget += rate / 8000;
    while (budget >= size) {
      budget -= size;
      send(t, -1);
    }
    if (t % sampleMs === 0) {
      samples.push({ tMs: t, estimateBps: est.estimateBps, state: est.state, lossRate: est.lossRate, sendBps: rate, queueMs: link.queueDelayMs(t) });
    }
  }
  return { samples, link, estimator: est, probesSent };
}
