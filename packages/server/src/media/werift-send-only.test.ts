import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import { shareIdleTrack } from './werift-send-only.ts';

test("send-only receivers share one idle track per kind; negotiation and close are unaffected", async () => {
  const server = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [], iceUseIpv6: false });
  const client = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [], iceUseIpv6: false });
  try {
    const slots = [server.addTransceiver('audio', { direction: 'sendonly' }), server.addTransceiver('audio', { direction: 'sendonly' }), server.addTransceiver('video', { direction: 'sendonly' })];
    const own = slots.map((t) => t.receiver.track);
    assert.notEqual(own[0], own[1], "werift gives each receiver a track of its own");
    slots.forEach((t) => shareIdleTrack(t));
    assert.equal(slots[0]!.receiver.track, slots[1]!.receiver.track);
    assert.notEqual(slots[0]!.receiver.track, slots[2]!.receiver.track);
    assert.equal(slots[2]!.receiver.track.kind, 'video');
    assert.equal(slots[0]!.receiver.track.kind, 'audio');
    // the offer still carries the three send-only sections, and the client answers them
    await server.setLocalDescription(await server.createOffer());
    await client.setRemoteDescription(server.localDescription!);
    await client.setLocalDescription(await client.createAnswer());
    await server.setRemoteDescription(client.localDescription!);
    assert.deepEqual(server.getTransceivers().map((t) => t.currentDirection), ['sendonly', 'sendonly', 'sendonly']);
  } finally {
    await server.close();
    await client.close();
  }
  assert.throws(() => shareIdleTrack({ kind: 'audio', receiver: {} } as never), /werift internals changed/);
});
