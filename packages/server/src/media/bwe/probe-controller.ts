/**
 * Decides when to probe and at what rate. AIMD alone grows 8% a second, so finding a fast path
 * from a low start takes half a minute; probing finds it in a few round trips: at start, bursts
 * at 3× and 6× the initial rate, then, while each burst gets through at ≥ 70% of its rate,
 * another at twice what it proved, up to the ceiling. Later, while the application wants more
 * than the estimate, one probe every few seconds at twice the estimate looks for new capacity.
 * @module
 */

/** One burst the sender should emit: packets tagged with `id`, paced at `bitrateBps`. */
export interface ProbeRequest {
  /** Cluster id to pass with every packet of the burst (≥ 0). */
  id: number;
  /** Pace of the burst (bps). */
  bitrateBps: number;
  /** Length of the burst (ms). */
  durationMs: number;
  /** Packets to send at least, however short the duration makes the burst. */
  minPackets: number;
}

/** Tuning of {@link ProbeController}. */
export interface ProbeControllerOptions {
  /** Initial estimate (bps): the start probes are multiples of it. */
  initialBps: number;
  /** No probe exceeds this (bps). */
  maxBps: number;
  /** Multiples of the initial rate probed at start (default [3, 6]; [] disables). */
  initialFactors?: readonly number[];
  /** A burst proving at least this fraction of its rate continues the series (default 0.7). */
  continueRatio?: number;
  /** Next probe of a series, as a multiple of what the last one proved (default 2). */
  stepFactor?: number;
  /**
   * Interval of probes while the wanted rate exceeds the estimate (ms, default 5000; 0
   * disables). A series that proves nothing doubles it, once; one that does resets it. (At
   * most 2×: a link whose cap is lifted is found at the next probe, and a viewer waits for that.)
   */
  periodicMs?: number;
  /** A series stops when its last probe yields nothing for this long (ms, default 1000). */
  timeoutMs?: number;
  /** Burst length (ms, default 15). */
  durationMs?: number;
  /** Minimum packets per burst (default 5). */
  minPackets?: number;
}

/**
 * Probe scheduler. The owner calls {@link poll} regularly (say on every feedback or send tick)
 * and sends each request it returns; measured results come back through {@link onResult}.
 */
export class ProbeController {
  readonly #maxBps: number;
  readonly #continueRatio: number;
  readonly #stepFactor: number;
  readonly #periodicMs: number;
  readonly #timeoutMs: number;
  readonly #durationMs: number;
  readonly #minPackets: number;
  /** Probes to send as soon as the previous burst is over. */
  readonly #queue: number[];
  #nextId = 0;
  /** Id and rate of the latest burst of a series whose result is awaited. */
  #awaitId = -1;
  #awaitBps = 0;
  #lastProbeMs = -Infinity;
  #desiredBps: number | undefined;
  /** Current periodic interval, backed off after fruitless series. */
  #intervalMs: number;

  /** Applies defaults; the start probes are queued for the first {@link poll}. */
  constructor(opts: ProbeControllerOptions) {
    this.#maxBps = opts.maxBps;
    this.#continueRatio = opts.continueRatio ?? 0.7;
    this.#stepFactor = opts.stepFactor ?? 2;
    this.#periodicMs = opts.periodicMs ?? 5000;
    this.#intervalMs = this.#periodicMs;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#durationMs = opts.durationMs ?? 15;
    this.#minPackets = opts.minPackets ?? 5;
    this.#queue = (opts.initialFactors ?? [3, 6]).map((f) => f * opts.initialBps);
  }

  /** Whether a series awaits a result (between a burst and its measurement or timeout). */
  get inSeries(): boolean {
    return this.#awaitId >= 0;
  }

  /** Current interval of periodic probes (ms), after back-off. */
  get periodicIntervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Rate the application would send if it could (bps), e.g. the sum of the best layers a
   * subscriber leg could forward; undefined (the default) means unknown and turns periodic
   * probing off. Probes never exceed it when set.
   */
  setDesiredBps(bps: number | undefined): void {
    this.#desiredBps = bps;
  }

  /**
   * Returns the probe to send now, if any. `estimateBps` is the current estimate and
   * `congested` whether the delay or loss signal currently says to back off (no periodic probe
   * then). Bursts are handed out one at a time, a burst's duration apart.
   */
  poll(nowMs: number, estimateBps: number, congested: boolean): ProbeRequest | undefined {
    if (nowMs - this.#lastProbeMs < this.#durationMs) return undefined;
    if (this.#awaitId >= 0 && this.#queue.length === 0 && nowMs - this.#lastProbeMs > this.#timeoutMs) {
      this.#awaitId = -1;
      this.#backOff();
    }
    const cap = this.#cap();
    while (this.#queue.length > 0) {
      const bps = Math.min(cap, this.#queue.shift()!);
      if (bps > estimateBps) return this.#issue(bps, nowMs);
    }
    if (this.#awaitId >= 0 || congested || this.#periodicMs <= 0 || this.#desiredBps === undefined) return undefined;
    if (estimateBps >= this.#desiredBps || nowMs - this.#lastProbeMs < this.#intervalMs) return undefined;
    const bps = Math.min(cap, 2 * estimateBps);
    return bps > estimateBps ? this.#issue(bps, nowMs) : undefined;
  }

  /**
   * A cluster was measured at `bps`. If it is the burst a series waits for and it got through at
   * ≥ {@link ProbeControllerOptions.continueRatio} of its rate, the next burst of the series (at
   * {@link ProbeControllerOptions.stepFactor} × `bps`) is queued, unless that is no higher, and
   * the periodic interval returns to its base; otherwise the periodic interval backs off.
   */
  onResult(id: number, bps: number): void {
    if (id !== this.#awaitId) return;
    this.#awaitId = -1;
    if (bps < this.#continueRatio * this.#awaitBps) {
      this.#backOff();
      return;
    }
    this.#intervalMs = this.#periodicMs;
    const next = Math.min(this.#cap(), this.#stepFactor * bps);
    if (next > this.#awaitBps) this.#queue.push(next);
  }

  #backOff(): void {
    this.#intervalMs = 2 * this.#periodicMs;
  }

  #cap(): number {
    return Math.min(this.#maxBps, this.#desiredBps ?? Infinity);
  }

  #issue(bps: number, nowMs: number): ProbeRequest {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) % 0x7fffffff;
    this.#awaitId = id;
    this.#awaitBps = bps;
    this.#lastProbeMs = nowMs;
    return { id, bitrateBps: bps, durationMs: this.#durationMs, minPackets: this.#minPackets };
  }
}
