// A subscriber's video start: the keyframe is asked for when the track is offered, held while the
// connection comes up, and sent the moment it is up; no second request when one is on its way.
// A real producer and subscriber connection, a real werift client on loopback; the publisher's
// side is a fake receiver counting keyframe requests (PLIs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpReceiver } from 'werift';
import { SubscriberPeer } from './subscriber-peer.ts';
import { Producer } from './producer.ts';
import { mediaCounts } from './metrics.ts';
import { createLogger } from '../log.ts';

const NET = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined };

/** A VP8 payload: descriptor (S=1, partition 0) and the frame's first bytes; a keyframe carries its start code and 320×180. */
function vp8(keyframe: boolean, first: boolean, mark: number): Buffer {
  const b = Buffer.alloc(40, mark);
  b[0] = first ? 0x10 : 0x00;
  b[1] = keyframe ? 0x10 : 0x11; // P bit clear: a keyframe
  b[2] = 0;
  b[3] = 0;
  if (keyframe) {
    b.set([0x9d, 0x01, 0x2a], 4);
    b.writeUInt16LE(320, 7);
    b.writeUInt16LE(180, 9);
  }
  return b;
}

/** A video producer fed by hand; its publisher's side counts PLIs. */
function videoProducer() {
  const producer = new Producer('pub', 'video');
  producer.active = true;
  const track = new MediaStreamTrack({ kind: 'video', remote: true, ssrc: 1111 });
  let plis = 0;
  producer.attach(track, { sendRtcpPLI: async () => void plis++ } as unknown as RTCRtpReceiver);
  let seq = 100;
  let ts = 9000;
  /** Sends one frame of 3 packets; returns its RTP timestamp. */
  const frame = (keyframe: boolean): number => {
    ts += 6000;
    for (let i = 0; i < 3; i++) {
      const header = new RtpHeader({ payloadType: 96, ssrc: 1111, sequenceNumber: seq++, timestamp: ts, marker: i === 2 });
      track.onReceiveRtp.execute(new RtpPacket(header, vp8(keyframe && i === 0, i === 0, keyframe ? 0xaa : 0xdd)), {});
    }
    return ts;
  };
  return { producer, frame, plis: () => plis };
}

/** A subscriber connection for `producer`, and a werift client that answers when told to and records the video it receives. */
async function subscriber(producer: Producer) {
  let offer: { offerId: number; sdp: string } | undefined;
  const sub = new SubscriberPeer(NET, { sendOffer: (o) => (offer ??= o), onFailed: () => {} }, createLogger('silent'));
  sub.consume(producer);
  const client = new RTCPeerConnection({ iceUseIpv6: false });
  const received: Buffer[] = [];
  client.onTrack.subscribe((t) => t.kind === 'video' && t.onReceiveRtp.subscribe((p) => received.push(Buffer.from(p.payload))));
  /** Answers and resolves once the server's side is up; `whileUp` runs when its ICE is connected (DTLS still to come). */
  const connect = async (whileUp?: () => void): Promise<void> => {
    for (let i = 0; i < 100 && !offer; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(offer, 'an offer was sent');
    if (whileUp) sub.pc.iceConnectionStateChange.subscribe((s) => s === 'connected' && whileUp());
    const up = new Promise<void>((resolve) => sub.pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve()));
    await client.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await client.setLocalDescription(await client.createAnswer());
    await sub.onAnswer(offer.offerId, client.localDescription!.sdp);
    await up;
  };
  return { sub, client, received, connect };
}

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
};

test('the keyframe that came while the connection came up is sent the moment it is up, with what followed; one request', async () => {
  const pub = videoProducer();
  const s = await subscriber(pub.producer);
  const held = mediaCounts.heldStarts;
  try {
    assert.equal(pub.plis(), 1, 'the keyframe is asked for when the track is offered');
    // the publisher's answer comes while DTLS runs (a delta before it is useless to the subscriber)
    let sent = false;
    await s.connect(() => {
      if (sent) return;
      sent = true;
      pub.frame(false);
      pub.frame(true);
      pub.frame(false);
    });
    assert.ok(sent);
    await until('the held frames', () => s.received.length >= 6);
    // the first packet the subscriber gets starts the keyframe; nothing before it is sent
    assert.equal(s.received[0]![0], 0x10);
    assert.equal(s.received[0]![1]! & 0x01, 0, 'a keyframe');
    assert.deepEqual(s.received.slice(0, 6).map((p) => p[20]), [0xaa, 0xaa, 0xaa, 0xdd, 0xdd, 0xdd]);
    assert.equal(mediaCounts.heldStarts, held + 1);
    // live packets follow the held ones
    pub.frame(false);
    await until('the live frame', () => s.received.length >= 9);
    assert.equal(pub.plis(), 1, 'no second request');
  } finally {
    s.sub.close();
    await s.client.close();
    pub.producer.close();
  }
});

test('no keyframe yet when the connection is up: the one asked for is awaited, not asked for again, and starts the stream', async () => {
  const pub = videoProducer();
  const s = await subscriber(pub.producer);
  const held = mediaCounts.heldStarts;
  try {
    await s.connect();
    assert.equal(pub.plis(), 1);
    assert.equal(mediaCounts.heldStarts, held, 'nothing held to start on');
    pub.frame(true);
    await until('the keyframe', () => s.received.length >= 3);
    assert.equal(s.received[0]![1]! & 0x01, 0, 'a keyframe');
    assert.equal(pub.plis(), 1, 'no second request');
  } finally {
    s.sub.close();
    await s.client.close();
    pub.producer.close();
  }
});
