/**
 * When the SDK tries again after losing its connection: LiveKit's published schedule (0, 300,
 * 1200, 2700, 4800 ms, then 7 s steps with up to 1 s of jitter), given up after a total.
 * @module
 */

/** The first waits, ms. */
export const RECONNECT_DELAYS_MS: readonly number[] = [0, 300, 1200, 2700, 4800];
/** The wait after those, ms (plus jitter). */
export const RECONNECT_STEP_MS = 7000;
/** Recovery is given up this long after the connection was lost (ms). */
export const RECONNECT_GIVE_UP_MS = 60_000;

/** The wait before attempt `n` (0-based); `random` in [0, 1) draws the jitter. */
export function reconnectDelay(n: number, random: () => number = Math.random): number {
  return RECONNECT_DELAYS_MS[n] ?? RECONNECT_STEP_MS + Math.floor(random() * 1000);
}
