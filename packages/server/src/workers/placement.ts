/**
 * Where a new room goes: the least loaded live worker. Load is what costs a worker CPU: packets
 * (forwarded and received per second, from its last report) and peer connections (each one means
 * ICE, DTLS, RTCP and timers). Reports come once a second, so what the main process placed since
 * counts too: the members of its rooms stand in for peers not reported yet, and each room adds a
 * little, so a burst of new rooms spreads instead of landing on the worker that looked idlest.
 * @module
 */

/** What placement knows of one worker. */
export interface PlacementCandidate {
  /** Worker index. */
  index: number;
  /** Whether it can take a room now (started and not crashed). */
  ready: boolean;
  /** Forwarded + received packets per second (last report). */
  pps: number;
  /** Peer connections (last report). */
  peers: number;
  /** Members of the rooms the main process placed on it (live). */
  members: number;
  /** Rooms the main process placed on it (live). */
  rooms: number;
}

/** A peer connection weighs as much as this many packets per second. */
export const PEER_WEIGHT_PPS = 50;
/** A room weighs as much as this many packets per second (spreads empty rooms). */
export const ROOM_WEIGHT_PPS = 1;

/**
 * The load score of a worker (lower is less loaded). Peers count as the reported peers or, when
 * more, two per member placed (publisher and subscriber connection): the members of a room placed
 * a moment ago weigh before the worker reports their peers.
 */
export function loadScore(c: PlacementCandidate): number {
  return c.pps + PEER_WEIGHT_PPS * Math.max(c.peers, 2 * c.members) + ROOM_WEIGHT_PPS * c.rooms;
}

/** The index of the least loaded ready worker (ties: fewer rooms, then the lower index); undefined when none is ready. */
export function pickWorker(candidates: readonly PlacementCandidate[]): number | undefined {
  let best: PlacementCandidate | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (!c.ready) continue;
    const s = loadScore(c);
    if (!best || s < bestScore || (s === bestScore && (c.rooms < best.rooms || (c.rooms === best.rooms && c.index < best.index)))) {
      best = c;
      bestScore = s;
    }
  }
  return best?.index;
}
