/**
 * Retry delays of webhook deliveries: exponential with a cap, and jitter so that receivers
 * coming back are not hit by every queue at the same instant.
 * @module
 */

/** Retry tuning. */
export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  baseDelayMs: number;
  /** No delay is longer (ms). */
  maxDelayMs: number;
}

/**
 * The delay before retry `attempt` (1 = the first retry): `base · 2^(attempt-1)`, capped, then
 * scaled by a random factor in [0.5, 1) ("equal jitter").
 */
export function retryDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp * (0.5 + random() / 2));
}
