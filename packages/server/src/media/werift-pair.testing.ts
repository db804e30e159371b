/**
 * Test support: two real werift connections joined on loopback, offer and answer exchanged
 * directly (no signaling), for the adapter's tests of werift's ICE and DTLS.
 * @module
 */
import type { RTCPeerConnection } from 'werift';

/** Connects `near` to `far` on loopback; resolves once a data channel between them is open. */
export async function connectPair(near: RTCPeerConnection, far: RTCPeerConnection): Promise<void> {
  const open = new Promise<void>((resolve) => near.createDataChannel('x').stateChanged.subscribe((s) => s === 'open' && resolve()));
  await near.setLocalDescription(await near.createOffer());
  await far.setRemoteDescription(near.localDescription!);
  await far.setLocalDescription(await far.createAnswer());
  await near.setRemoteDescription(far.localDescription!);
  await open;
}
