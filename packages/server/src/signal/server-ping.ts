/**
 * When the server pings a session. The SDK's own heartbeat (a `ping` request every second) already
 * proves a live client, and its answer costs the server a frame each way; the server's WebSocket
 * ping is for the clients whose heartbeat is late or missing (a background tab's throttled
 * timers, a busy page, a client without one): a pong refreshes the session as any frame does.
 * So a session heard from within {@link QUIET_SHARE} of the ping period is not pinged; a session
 * kept alive by pongs alone is still pinged every period (its last pong is a period old, less the
 * round trip, at its next turn).
 * @module
 */

/** The share of the ping period a session must have been silent for to be pinged. */
export const QUIET_SHARE = 0.9;

/** Whether a session last heard at `lastSeenMs` gets the server's ping at `nowMs` (period `periodMs`). */
export function wantsPing(lastSeenMs: number, nowMs: number, periodMs: number): boolean {
  return nowMs - lastSeenMs >= QUIET_SHARE * periodMs;
}
