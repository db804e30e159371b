// The publisher's RTP watchdog on a real connection: a werift client publishes video over
// loopback, with and without sending packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import { createLogger } from '../log.ts';
import type { MediaNetwork } from './codecs.ts';
import { PublisherPeer } from './publisher-peer.ts';

const NET: MediaNetwork = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined };

/** Connects a werift client publishing one video m-section; `send` makes it send packets. */
async function publish(send: boolean): Promise<{ stalls: [TrackSource, number][]; close(): void }> {
  const stalls: [TrackSource, number][] = [];
  const peer = new PublisherPeer(
    NET,
    { onTrack: () => undefined, onFailed: () => undefined, isPublished: (s) => s === 'video', onStalled: (s, ms) => stalls.push([s, ms]) },
    createLogger('silent'),
    { stallMs: 800 },
  );
  const client = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [], iceUseIpv6: false });
  const t = client.addTransceiver('video', { direction: 'sendonly' });
  await client.setLocalDescription(await client.createOffer());
  await new Promise<void>((resolve) => {
    if (client.iceGatheringState === 'complete') return resolve();
    client.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
  });
  const answer = await peer.negotiate(client.localDescription!.sdp, { [t.mid!]: 'video' });
  await client.setRemoteDescription({ type: 'answer', sdp: answer });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected: ${peer.pc.connectionState}`)), 10_000);
    peer.pc.connectionStateChange.subscribe((s) => s === 'connected' && (clearTimeout(timer), resolve()));
  });
  let seq = 0;
  const pt = t.sender.codec?.payloadType ?? 96;
  const timer = send
    ? setInterval(() => {
        const header = new RtpHeader({ payloadType: pt, sequenceNumber: seq++ & 0xffff, timestamp: seq * 3000, ssrc: t.sender.ssrc, marker: true });
        void t.sender.sendRtp(new RtpPacket(header, Buffer.from([0x10, 0, 0, 0]))).catch(() => undefined);
      }, 30)
    : undefined;
  return {
    stalls,
    close: () => {
      clearInterval(timer);
      peer.close();
      void client.close();
    },
  };
}

test('a connected, published video source that receives no RTP is reported; one that does is not', async () => {
  const silent = await publish(false);
  const flowing = await publish(true);
  try {
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(silent.stalls.length, 1, JSON.stringify(silent.stalls));
    assert.equal(silent.stalls[0]![0], 'video');
    assert.ok(silent.stalls[0]![1] >= 800);
    assert.deepEqual(flowing.stalls, []);
  } finally {
    silent.close();
    flowing.close();
  }
});
