/**
 * Small WebRTC helpers.
 *
 * A connection's first description goes to the server as soon as it is set, without waiting for
 * ICE gathering: the server learns the client's addresses from the client's connectivity checks
 * (peer-reflexive candidates, as an ICE-lite server does), so what the gathering finds later (a
 * TURN relay, another interface) still connects. Waiting cost every join and publish the
 * gathering's time (~8 ms on loopback here; a TURN allocation's round trips behind a relay). After
 * an ICE restart (the network changed) the description waits for the new gathering (at most
 * `gatherCapMs`), so the server can check the new addresses itself: in the network-switch test the
 * restarted connection never came up on the client's own checks alone.
 * @module
 */

/**
 * Resolves when ICE gathering completes or after `capMs`, whichever is first. `restarted`: an
 * ICE restart was just applied, so a `complete` state may still be the old gathering's: wait for
 * the new one (its state change) unless it already ran.
 */
export function waitForIceGathering(pc: RTCPeerConnection, capMs: number, restarted = false): Promise<void> {
  if (pc.iceGatheringState === 'complete' && !(restarted && !hasCandidates(pc))) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, capMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** The ICE username fragment of an SDP (its first), or undefined. */
export function iceUfrag(sdp: string | undefined): string | undefined {
  return sdp ? /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] : undefined;
}

/** Whether the local description lists candidates of its current ICE credentials. */
function hasCandidates(pc: RTCPeerConnection): boolean {
  return /^a=candidate:/m.test(pc.localDescription?.sdp ?? '');
}

/**
 * How long ago the connection's selected candidate pair last received a packet (ms), from
 * `getStats()`; undefined when the browser does not say. Media and RTCP arrive many times a
 * second on a live path; STUN consent checks every few seconds on an idle one.
 */
export async function lastReceivedAgeMs(pc: RTCPeerConnection): Promise<number | undefined> {
  const stats = await pc.getStats();
  let pairId: string | undefined;
  stats.forEach((r: { type: string; selectedCandidatePairId?: string }) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
  });
  let age: number | undefined;
  stats.forEach((r: { type: string; id: string; selected?: boolean; nominated?: boolean; timestamp: number; lastPacketReceivedTimestamp?: number }) => {
    if (r.type !== 'candidate-pair' || r.lastPacketReceivedTimestamp === undefined) return;
    // Firefox has no transport report: its selected pair says so itself
    if (pairId ? r.id === pairId : r.selected) age = r.timestamp - r.lastPacketReceivedTimestamp;
  });
  return age;
}
