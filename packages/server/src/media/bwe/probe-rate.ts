/**
 * Measures what a probe cluster proved: a probe is a short burst of packets (padding, or media
 * sent early) at a chosen rate, above the current estimate. If the receiver got the burst as
 * fast as it was sent, the path carries at least that rate; if the burst arrived spread out, the
 * receive rate is roughly what the bottleneck delivers.
 * @module
 */

/** Tuning of {@link ProbeRateMeter}. */
export interface ProbeRateOptions {
  /** Received packets needed before a cluster is measured (default 4). */
  minPackets?: number;
  /** Fraction of a cluster's sent packets that must be reported received (default 0.8). */
  minReceivedRatio?: number;
  /** Clusters not measured this long after their first packet was sent are dropped (ms, default 2000). */
  timeoutMs?: number;
}

/** Per-cluster running totals. */
interface Cluster {
  sent: number;
  received: number;
  bytes: number;
  firstSendMs: number;
  lastSendMs: number;
  /** Size of the packet sent last (its bytes left the sender after the send interval closed). */
  lastSendSize: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
  /** Size of the packet that arrived first (its bytes arrived before the receive interval opened). */
  firstArrivalSize: number;
  createdMs: number;
}

/** Receive rate under this fraction of the send rate means the burst hit a bottleneck. */
const SATURATED_RATIO = 0.9;
/** Applied to the receive rate of a saturated burst: the bottleneck is a bit slower than the tail of a burst suggests. */
const SATURATED_DISCOUNT = 0.95;
/** Intervals shorter than this (ms) are too coarse to divide by; longer ones are no burst. */
const MIN_INTERVAL_MS = 1;
const MAX_INTERVAL_MS = 1000;
const MAX_CLUSTERS = 16;

/** Probe cluster bookkeeping and measurement. */
export class ProbeRateMeter {
  readonly #minPackets: number;
  readonly #minReceivedRatio: number;
  readonly #timeoutMs: number;
  readonly #clusters = new Map<number, Cluster>();

  /** Applies defaults; no validation beyond that. */
  constructor(opts: ProbeRateOptions = {}) {
    this.#minPackets = opts.minPackets ?? 4;
    this.#minReceivedRatio = opts.minReceivedRatio ?? 0.8;
    this.#timeoutMs = opts.timeoutMs ?? 2000;
  }

  /** Number of clusters sent and not yet measured or timed out. */
  get pending(): number {
    return this.#clusters.size;
  }

  /** Counts a probe packet sent in cluster `id` (ids ≥ 0). */
  onSent(id: number, nowMs: number): void {
    let c = this.#clusters.get(id);
    if (c === undefined) {
      if (this.#clusters.size >= MAX_CLUSTERS) this.#clusters.delete(this.#clusters.keys().next().value!);
      c = {
        sent: 0,
        received: 0,
        bytes: 0,
        firstSendMs: Infinity,
        lastSendMs: -Infinity,
        lastSendSize: 0,
        firstArrivalMs: Infinity,
        lastArrivalMs: -Infinity,
        firstArrivalSize: 0,
        createdMs: nowMs,
      };
      this.#clusters.set(id, c);
    }
    c.sent++;
  }

  /**
   * Adds one received probe packet; returns the cluster's measured rate (bps) when this makes it
   * measurable (once per cluster), otherwise undefined.
   */
  onReceived(id: number, sendMs: number, arrivalMs: number, sizeBytes: number): number | undefined {
    const c = this.#clusters.get(id);
    if (c === undefined) return undefined;
    c.received++;
    c.bytes += sizeBytes;
    if (sendMs < c.firstSendMs) c.firstSendMs = sendMs;
    if (sendMs >= c.lastSendMs) {
      c.lastSendMs = sendMs;
      c.lastSendSize = sizeBytes;
    }
    if (arrivalMs < c.firstArrivalMs) {
      c.firstArrivalMs = arrivalMs;
      c.firstArrivalSize = sizeBytes;
    }
    if (arrivalMs > c.lastArrivalMs) c.lastArrivalMs = arrivalMs;
    if (c.received < this.#minPackets || c.received < this.#minReceivedRatio * c.sent) return undefined;
    const sendMsSpan = c.lastSendMs - c.firstSendMs;
    const recvMsSpan = c.lastArrivalMs - c.firstArrivalMs;
    if (sendMsSpan < MIN_INTERVAL_MS || recvMsSpan < MIN_INTERVAL_MS || sendMsSpan > MAX_INTERVAL_MS || recvMsSpan > MAX_INTERVAL_MS) {
      return undefined;
    }
    this.#clusters.delete(id);
    const sendBps = ((c.bytes - c.lastSendSize) * 8000) / sendMsSpan;
    const recvBps = ((c.bytes - c.firstArrivalSize) * 8000) / recvMsSpan;
    if (recvBps < SATURATED_RATIO * sendBps) return SATURATED_DISCOUNT * recvBps;
    return Math.min(sendBps, recvBps);
  }

  /** Drops clusters older than the timeout; returns how many were dropped. */
  expire(nowMs: number): number {
    let n = 0;
    for (const [id, c] of this.#clusters) {
      if (nowMs - c.createdMs > this.#timeoutMs) {
        this.#clusters.delete(id);
        n++;
      }
    }
    return n;
  }
}
