/**
 * Process-wide counts of live media objects, for `/healthz` and leak checks.
 * @module
 */

/** Live media objects of this process. */
export const mediaCounts = {
  /** Open werift peer connections. */
  peers: 0,
  /** Producers not yet closed. */
  producers: 0,
  /** Consumers not yet closed. */
  consumers: 0,
  /** RTP packets forwarded to subscribers since start. */
  forwarded: 0,
  /** RTP packets received from publishers (while forwarding) since start. */
  received: 0,
};
