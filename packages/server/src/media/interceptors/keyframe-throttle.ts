/**
 * PLI/FIR throttle: subscribers' keyframe requests reach the publisher at most once per
 * interval; a request inside the interval is sent when it ends, so none is lost.
 * @module
 */

/**
 * The least time between two keyframe requests sent to a publisher (ms). A browser's encoder
 * (libwebrtc's `EncoderRtcpFeedback`) drops a request that arrives within 300 ms of the last one it
 * took, so a throttle of exactly 300 ms lost every request whose timer fired a little early (see
 * `#fireWhenDue`) or whose packet travelled faster than the one before: the subscriber then waited
 * for its own next request (measured: a join's first frame came 590 ms after the keyframe asked
 * for at the join). The margin covers the timer and the network's jitter between the two.
 */
export const KEYFRAME_REQUEST_INTERVAL_MS = 350;

/** Coalesces keyframe requests for one producer. */
export class KeyframeThrottle {
  readonly #send: () => void;
  readonly #minIntervalMs: number;
  #last = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  /** Requests received. */
  requested = 0;
  /** Requests sent upstream. */
  sent = 0;

  constructor(send: () => void, minIntervalMs = KEYFRAME_REQUEST_INTERVAL_MS) {
    this.#send = send;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Asks for a keyframe. */
  request(now = performance.now()): void {
    this.requested++;
    if (this.#timer) return;
    this.#fireWhenDue(now);
  }

  /**
   * Sends now if the interval is over, else arms a timer that checks again: a timer's delay is
   * counted from the event loop's cached clock, in whole milliseconds, so it may fire a little
   * before the interval is over.
   */
  #fireWhenDue(now: number): void {
    this.#timer = undefined;
    const wait = this.#last + this.#minIntervalMs - now;
    if (wait <= 0) return this.#fire(now);
    this.#timer = setTimeout(() => this.#fireWhenDue(performance.now()), Math.ceil(wait));
    this.#timer.unref();
  }

  #fire(now: number): void {
    this.#timer = undefined;
    this.#last = now;
    this.sent++;
    this.#send();
  }

  /** Cancels a pending request. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
