// How werift's ICE agent gathers and starts (werift-ice-start.ts): no STUN query without a
// configured server, and connected at the nomination. Real werift pairs on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import { connectOnNomination, noFallbackStun } from './werift-ice-start.ts';

/** The parts of werift's ICE agent these tests read. */
interface Agent {
  stunServer?: readonly [string, number];
  state: string;
  nominated?: object;
  checkComplete(pair: unknown): void;
}
const agentOf = (pc: RTCPeerConnection): Agent =>
  (pc as unknown as { secureManager: { allDtlsTransports: { iceTransport: { connection: Agent } }[] } }).secureManager.allDtlsTransports[0]!.iceTransport.connection;

const LOOPBACK = { iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceAdditionalHostAddresses: ['127.0.0.1'] };

test('an ICE agent without a configured STUN server queries none (werift falls back to Google\'s); a configured one is kept', async () => {
  assert.equal(noFallbackStun(), true);
  const bare = new RTCPeerConnection({ ...LOOPBACK, iceServers: [] });
  const configured = new RTCPeerConnection({ ...LOOPBACK, iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
  try {
    for (const pc of [bare, configured]) pc.createDataChannel('x');
    // (the agent exists from the offer on; only the bare one gathers: the configured server is not there)
    await configured.createOffer();
    await bare.setLocalDescription(await bare.createOffer());
    assert.equal(agentOf(bare).stunServer, undefined);
    assert.deepEqual(agentOf(configured).stunServer, ['127.0.0.1', 3478]);
    // the offer of the bare one lists host candidates only
    assert.match(bare.localDescription!.sdp, /typ host/);
    assert.doesNotMatch(bare.localDescription!.sdp, /typ srflx/);
  } finally {
    await Promise.all([bare.close(), configured.close()]);
  }
});

/**
 * Connects a pair whose offerer (the controlling side, as the server is) has `patch` applied,
 * and returns the offerer's ICE state seen by the first timer that runs after its nomination.
 */
async function stateAfterNomination(patch: (pc: RTCPeerConnection) => void, answerCandidates = true): Promise<string> {
  const near = new RTCPeerConnection(LOOPBACK);
  const far = new RTCPeerConnection(LOOPBACK);
  try {
    patch(near);
    const open = new Promise<void>((resolve) => near.createDataChannel('x').stateChanged.subscribe((s) => s === 'open' && resolve()));
    await near.setLocalDescription(await near.createOffer());
    const agent = agentOf(near);
    const seen = new Promise<string>((resolve) => {
      const complete = agent.checkComplete.bind(agent);
      agent.checkComplete = (pair) => {
        const before = agent.nominated;
        complete(pair);
        if (!before && agent.nominated) setTimeout(() => resolve(agent.state), 0);
      };
    });
    await far.setRemoteDescription(near.localDescription!);
    await far.setLocalDescription(await far.createAnswer());
    const answer = far.localDescription!;
    // a client that answers before its gathering ends: the agent learns its address from its checks
    const sdp = answerCandidates ? answer.sdp : answer.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '');
    if (!answerCandidates) assert.doesNotMatch(sdp, /a=candidate/);
    await near.setRemoteDescription({ type: 'answer', sdp });
    const state = await seen;
    // and the connection works: DTLS and a data channel over the nominated pair
    await open;
    return state;
  } finally {
    await Promise.all([near.close(), far.close()]);
  }
}

test('the controlling agent reports connected at the nomination, before any timer runs (werift waits for its next 20 ms poll)', async () => {
  assert.equal(await stateAfterNomination(connectOnNomination), 'connected');
  assert.notEqual(await stateAfterNomination(() => undefined), 'connected');
});

test('an answer without candidates: the agent connects from the remote side\'s first check, at the nomination (werift polls every 20 ms)', async () => {
  assert.equal(await stateAfterNomination(connectOnNomination, false), 'connected');
  assert.notEqual(await stateAfterNomination(() => undefined, false), 'connected');
});
