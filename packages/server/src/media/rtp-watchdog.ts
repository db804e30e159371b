/**
 * Notices published video that never arrives: a source that is watched (published, its
 * transport connected) but has received no RTP for `stallMs` is reported once, until packets
 * flow again. Without it, a negotiation or transport fault that drops one m-section's packets
 * is a black tile that nobody is told about.
 *
 * The per-packet cost is one counter increment ({@link RtpWatchdog.counter}); time is read only
 * on the periodic {@link RtpWatchdog.tick}.
 * @module
 */
import { RtcError, type ServerFrame, type TrackSource } from '@rtcroom/protocol';

/** Options of an {@link RtpWatchdog}. */
export interface RtpWatchdogOptions<S extends string> {
  /** Silence after which a watched source is reported (ms). */
  stallMs: number;
  /** How often `tick` runs once started (ms). */
  everyMs: number;
  /** Whether `source` should be receiving now (published and its transport connected). */
  isWatched(source: S): boolean;
  /** `source` has been watched and silent for `silentMs`. Called once per silence. */
  onStall(source: S, silentMs: number): void;
  /** Clock (ms); `performance.now` by default. */
  now?: () => number;
}

/** A packet counter of one source. */
export interface RtpCounter {
  /** Packets seen so far. */
  n: number;
}

interface SourceState {
  counter: RtpCounter;
  /** Count at the last tick that saw a change. */
  seen: number;
  /** Since when the source has been watched and silent. */
  since: number | undefined;
  reported: boolean;
}

/** Watches packet counters of sources; see the module comment. */
export class RtpWatchdog<S extends string> {
  readonly #o: RtpWatchdogOptions<S>;
  readonly #now: () => number;
  readonly #sources = new Map<S, SourceState>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RtpWatchdogOptions<S>) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The counter to increment for each RTP packet of `source` (created on first call). */
  counter(source: S): RtpCounter {
    let s = this.#sources.get(source);
    if (!s) this.#sources.set(source, (s = { counter: { n: 0 }, seen: 0, since: undefined, reported: false }));
    return s.counter;
  }

  /** Checks every source now. */
  tick(): void {
    const now = this.#now();
    for (const [source, s] of this.#sources) {
      const n = s.counter.n;
      if (!this.#o.isWatched(source) || n !== s.seen) {
        // not expected to receive, or receiving: the silence (if any) starts over
        s.seen = n;
        s.since = undefined;
        s.reported = false;
        continue;
      }
      s.since ??= now;
      if (!s.reported && now - s.since >= this.#o.stallMs) {
        s.reported = true;
        this.#o.onStall(source, Math.round(now - s.since));
      }
    }
  }

  /** Ticks every `everyMs` until {@link RtpWatchdog.stop}. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#o.everyMs);
    this.#timer.unref();
  }

  /** Stops ticking. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The `stateChanged` event (errNo 21908, `mediaFailed`) telling a member that the server
 * receives nothing of a video source it publishes; the SDK emits it as `onRtcStateChanged`.
 */
export function stalledEvent(source: TrackSource, silentMs: number): ServerFrame {
  const e = new RtcError('mediaFailed', 'onRtcStateChanged', `no ${source} received for ${silentMs} ms`);
  return { event: 'stateChanged', data: { errNo: 21908, errMsg: e.errMsg, data: { reason: 'mediaStalled', source, silentMs } } };
}
