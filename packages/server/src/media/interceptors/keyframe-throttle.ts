/**
 * PLI/FIR throttle: subscribers' keyframe requests reach the publisher at most once per
 * interval; a request inside the interval is sent when it ends, so none is lost.
 * @module
 */

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

  constructor(send: () => void, minIntervalMs = 300) {
    this.#send = send;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Asks for a keyframe. */
  request(now = performance.now()): void {
    this.requested++;
    if (this.#timer) return;
    const wait = this.#last + this.#minIntervalMs - now;
    if (wait <= 0) this.#fire(now);
    else {
      this.#timer = setTimeout(() => this.#fire(performance.now()), wait);
      this.#timer.unref();
    }
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
