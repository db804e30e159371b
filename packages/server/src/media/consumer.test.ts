import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession, type RTCRtpTransceiver } from 'werift';
import { Consumer } from './consumer.ts';
import { SendSlot } from './send-slot.ts';
import { Producer } from './producer.ts';
import { mediaCounts } from './metrics.ts';

/** A werift-shaped transceiver: `fast` records datagrams, `werift` records what went through sendRtp. */
function fakeTransceiver(profile: number, state = 'connected') {
  const saltLen = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLen), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltLen) };
  // werift only builds sessions for the profiles it knows: other profiles are faked on a CM one
  const srtp = new SrtpSession({ keys, profile: profile === ProtectionProfileAeadAes128Gcm ? ProtectionProfileAeadAes128Gcm : ProtectionProfileAes128CmHmacSha1_80 });
  (srtp.localContext as unknown as { profile: number }).profile = profile;
  const fast: Buffer[] = [];
  const werift: number[] = [];
  const reports: number[] = [];
  const dtlsTransport = {
    state,
    srtp,
    iceTransport: {
      connection: {
        canSendApplicationData: () => true,
        nominated: { remoteAddr: ['127.0.0.1', 9], protocol: { transport: { closed: false, socket: { send: (parts: Buffer[]) => fast.push(Buffer.concat(parts)) } } } },
      },
    },
    sendRtcp: async () => void reports.push(performance.now()),
  };
  const sender = {
    ssrc: 1234,
    rtxSsrc: 5678,
    rtxPayloadType: undefined,
    codec: { payloadType: 96 },
    cname: 'c',
    dtlsTransport,
    onGenericNack: { subscribe: () => ({ unSubscribe: () => undefined }) },
    sendRtp: async (p: RtpPacket) => void werift.push(p.header.sequenceNumber),
  };
  return { transceiver: { sender, mid: '0' } as unknown as RTCRtpTransceiver, dtlsTransport, fast, werift, reports };
}

function forwardFrom(profile: number, state = 'connected') {
  const t = fakeTransceiver(profile, state);
  const producer = new Producer('alice', 'video');
  producer.active = true;
  const consumer = new Consumer(producer, new SendSlot(t.transceiver, 'video'));
  let seq = 500;
  const packet = new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: 0, timestamp: 0, ssrc: 42 }), randomBytes(300));
  const forward = (n: number) => {
    for (let i = 0; i < n; i++) {
      packet.header.sequenceNumber = seq++;
      packet.header.timestamp = seq * 3000;
      consumer.forward(packet, performance.now());
    }
  };
  return { ...t, consumer, producer, forward };
}

for (const [name, profile] of [['AES-GCM', ProtectionProfileAeadAes128Gcm], ['AES-CM-SHA1-80', ProtectionProfileAes128CmHmacSha1_80]] as const) {
  test(`${name}: the first packet after DTLS connected goes out on the fast path`, () => {
    const f = forwardFrom(profile, 'connecting');
    f.forward(3); // nothing can be sent yet, by either path
    assert.equal(f.fast.length + f.werift.length, 0);
    f.dtlsTransport.state = 'connected';
    f.forward(4);
    assert.equal(f.fast.length, 4);
    assert.equal(f.werift.length, 0);
    assert.equal(f.consumer.forwarded, 4);
    f.producer.close();
  });
}

test('a profile the fast path does not write sends every packet through werift from the first one on', () => {
  const f = forwardFrom(2 /* SRTP_AES128_CM_HMAC_SHA1_32 */, 'connecting');
  f.forward(2);
  f.dtlsTransport.state = 'connected';
  f.forward(5);
  assert.equal(f.fast.length, 0);
  assert.equal(f.werift.length, 5);
  assert.equal(f.consumer.forwarded, 5);
  // rewritten sequence numbers, contiguous from the first packet sent
  assert.deepEqual(f.werift.map((s) => s - f.werift[0]!), [0, 1, 2, 3, 4]);
  f.producer.close();
});

test('paused audio (audio selection) sends nothing; resumed, it goes on with the next sequence number', () => {
  const t = fakeTransceiver(2 /* through werift, which records sequence numbers */);
  const producer = new Producer('alice', 'audio');
  producer.active = true;
  const consumer = new Consumer(producer, new SendSlot(t.transceiver, 'audio'));
  const packet = new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: 0, timestamp: 0, ssrc: 42 }), randomBytes(100));
  let seq = 1000;
  const forward = (n: number) => {
    for (let i = 0; i < n; i++) {
      packet.header.sequenceNumber = seq++;
      packet.header.timestamp = seq * 960;
      consumer.forward(packet, performance.now());
    }
  };
  forward(3);
  consumer.setTargetLayer(-1);
  assert.equal(consumer.currentLayer, -1);
  forward(50);
  consumer.setTargetLayer(0);
  forward(2);
  assert.equal(consumer.forwarded, 5);
  // no gap the subscriber would count as 50 lost packets: the pause looks like a DTX silence
  assert.deepEqual(t.werift.map((s) => s - t.werift[0]!), [0, 1, 2, 3, 4]);
  producer.close();
});

test('sender reports: video every second, audio after its first every 5 s, or at once for a new stream or offset', () => {
  const packet = new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: 7, timestamp: 960, ssrc: 42 }), randomBytes(100));
  const ticks = (slot: SendSlot, from: number, n: number) => {
    for (let i = 0; i < n; i++) slot.report(from + i * 1000);
  };
  const video = forwardFrom(ProtectionProfileAeadAes128Gcm);
  const videoSlot = video.consumer.slot;
  videoSlot.report(0);
  assert.equal(video.reports.length, 0, 'nothing sent yet: nothing to report');
  video.forward(1);
  ticks(videoSlot, 0, 10);
  assert.equal(video.reports.length, 10);
  video.producer.close();

  const t = fakeTransceiver(ProtectionProfileAeadAes128Gcm);
  const slot = new SendSlot(t.transceiver, 'audio');
  const alice = new Producer('alice', 'audio');
  alice.active = true;
  const a = new Consumer(alice, slot);
  a.forward(packet, 0);
  ticks(slot, 0, 10);
  assert.equal(t.reports.length, 2, 'at 0 s and 5 s');
  // the slot now carries another talker: its stream is reported at the next tick
  a.close();
  const bob = new Producer('bob', 'audio');
  bob.active = true;
  const b = new Consumer(bob, slot);
  packet.header.sequenceNumber = 8;
  b.forward(packet, 10_000);
  slot.report(10_000);
  assert.equal(t.reports.length, 3);
  slot.report(11_000);
  assert.equal(t.reports.length, 3);
  alice.close();
  bob.close();
});

test('step downs and ups between simulcast layers are counted; pauses and resumes are not', () => {
  const t = fakeTransceiver(ProtectionProfileAeadAes128Gcm);
  const producer = new Producer('alice', 'video');
  producer.setRids(['q', 'h']);
  producer.active = true;
  const consumer = new Consumer(producer, new SendSlot(t.transceiver, 'video'));
  // the layer selector comes with the first packet
  consumer.forward(new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: 1, timestamp: 0, ssrc: 42 }), randomBytes(100)), performance.now(), 1);
  const down = mediaCounts.layerStepsDown;
  const up = mediaCounts.layerStepsUp;
  consumer.setTargetLayer(0);
  consumer.setTargetLayer(0);
  assert.deepEqual([mediaCounts.layerStepsDown - down, mediaCounts.layerStepsUp - up], [1, 0], 'top → 0, once');
  consumer.setTargetLayer(-1);
  consumer.setTargetLayer(1);
  assert.deepEqual([mediaCounts.layerStepsDown - down, mediaCounts.layerStepsUp - up], [1, 0], 'a pause and a resume are neither');
  consumer.setTargetLayer(0);
  consumer.setTargetLayer(5);
  assert.deepEqual([mediaCounts.layerStepsDown - down, mediaCounts.layerStepsUp - up], [2, 1], 'a layer past the top is the top');
  consumer.setTargetLayer(9);
  assert.equal(mediaCounts.layerStepsUp - up, 1, 'already at the top');
  consumer.close();
});
