import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GenericNack,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RtcpPacketConverter,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpTransportLayerFeedback,
} from 'werift';
import { deliverRtcp, nackedSequenceNumbers, type SubscriberRtcpSink } from './werift-rtcp-receive.ts';
import { encodeTwccFeedback, type TwccFeedback } from './interceptors/twcc-feedback.ts';

/** A sink that records what it is told. */
function recorder() {
  const got = { nacks: [] as [number, number[]][], keyframes: [] as number[], twcc: [] as TwccFeedback[], heard: 0 };
  const sink: SubscriberRtcpSink = {
    heard: () => void got.heard++,
    nack: (ssrc, lost) => void got.nacks.push([ssrc, [...lost]]),
    keyframe: (ssrc) => void got.keyframes.push(ssrc),
    twcc: (fb) => void got.twcc.push(fb),
  };
  return { got, sink };
}

const rr = (): Buffer =>
  new RtcpRrPacket({ ssrc: 1, reports: [new RtcpReceiverInfo({ ssrc: 0x1111, fractionLost: 3, packetsLost: 7, highestSequence: 1000, jitter: 5, lsr: 9, dlsr: 10 })] }).serialize();
const nack = (mediaSourceSsrc: number, lost: number[]): Buffer => new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc, lost }) }).serialize();
const pli = (mediaSsrc: number): Buffer => new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc }) }).serialize();
const remb = (): Buffer =>
  new RtcpPayloadSpecificFeedback({ feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, mediaSsrc: 0, brExp: 2, brMantissa: 1000, ssrcFeedbacks: [0x1111] }) }).serialize();
/** A FIR (RFC 5104 §4.3.1): media SSRC 0 in the header, one entry per stream asked for. */
function fir(...ssrcs: number[]): Buffer {
  const b = Buffer.alloc(12 + 8 * ssrcs.length);
  b[0] = 0x80 | 4;
  b[1] = 206;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(1, 4);
  ssrcs.forEach((s, i) => {
    b.writeUInt32BE(s, 12 + 8 * i);
    b[16 + 8 * i] = i + 1;
  });
  return b;
}
const TWCC: TwccFeedback = {
  senderSsrc: 1,
  mediaSsrc: 0x2222,
  baseSeq: 65_530,
  statusCount: 9,
  referenceTime: 12_345,
  fbPktCount: 7,
  packets: [
    { seq: 65_530, received: true, deltaUs: 1000 },
    { seq: 65_531, received: false },
    { seq: 65_532, received: true, deltaUs: 250 },
    { seq: 65_533, received: true, deltaUs: -2500 },
    { seq: 65_534, received: true, deltaUs: 70_000 },
    { seq: 65_535, received: false },
    { seq: 0, received: false },
    { seq: 1, received: true, deltaUs: 0 },
    { seq: 2, received: true, deltaUs: 500 },
  ],
};

test('NACK entries read as werift reads them: the packet id, then each bit of the mask', () => {
  for (const lost of [[5], [100, 101, 103, 116], [65_535, 0, 1, 7], [10, 30, 31, 70, 86]]) {
    const wire = nack(0x1111, lost);
    const werift = (RtcpPacketConverter.deSerialize(wire)[0] as unknown as { feedback: { lost: number[] } }).feedback.lost;
    assert.deepEqual(nackedSequenceNumbers(wire.subarray(12)), werift);
    assert.deepEqual(new Set(werift), new Set(lost));
  }
});

test('a compound from a subscriber: its NACKs, keyframe requests and feedback delivered, the rest read past', () => {
  const { got, sink } = recorder();
  const compound = Buffer.concat([rr(), nack(0x1111, [40, 42]), pli(0x3333), encodeTwccFeedback(TWCC), remb(), fir(0x4444, 0x5555), nack(0x6666, [65_535, 0])]);
  assert.equal(deliverRtcp(compound, sink), true);
  assert.deepEqual(got.nacks, [
    [0x1111, [40, 42]],
    [0x6666, [65_535, 0]],
  ]);
  assert.deepEqual(got.keyframes, [0x3333, 0x4444, 0x5555]);
  assert.deepEqual(got.twcc, [TWCC]);
  assert.equal(got.heard, 0, 'the tap says it was heard, not the parse');
});

test('a datagram that does not frame delivers nothing; a feedback that does not parse is read past', () => {
  const { got, sink } = recorder();
  const whole = Buffer.concat([nack(0x1111, [1]), pli(0x3333)]);
  // the second packet's length runs past the datagram
  assert.equal(deliverRtcp(whole.subarray(0, whole.length - 4), sink), false);
  // not RTCP version 2
  const v1 = Buffer.from(whole);
  v1[0] = (v1[0]! & 0x3f) | 0x40;
  assert.equal(deliverRtcp(v1, sink), false);
  assert.deepEqual(got, { nacks: [], keyframes: [], twcc: [], heard: 0 });
  // a TWCC packet whose chunks stop short, then a PLI: the PLI is still taken
  const twcc = encodeTwccFeedback(TWCC);
  twcc.writeUInt16BE(500, 14); // says 500 statuses
  assert.equal(deliverRtcp(Buffer.concat([twcc, pli(0x3333)]), sink), true);
  assert.deepEqual(got.twcc, []);
  assert.deepEqual(got.keyframes, [0x3333]);
  // a feedback packet with no room for its SSRCs is skipped
  const short = Buffer.from([0x81, 205, 0, 1, 0, 0, 0, 1]);
  assert.equal(deliverRtcp(Buffer.concat([short, pli(0x7777)]), sink), true);
  assert.deepEqual(got.keyframes, [0x3333, 0x7777]);
});
