import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtcpPacketConverter } from 'werift';
import { decodeTwccFeedback, encodeTwccFeedback, type TwccFeedback, type TwccPacketStatus } from './interceptors/twcc-feedback.ts';
import { twccFromWerift, type WeriftTwcc } from './werift-adapter.ts';

test("a TWCC feedback read from werift's parse equals the packet on the wire (wrap, losses, runs, large and negative deltas)", () => {
  const packets: TwccPacketStatus[] = [];
  for (let i = 0; i < 300; i++) {
    const seq = (65400 + i) & 0xffff;
    // a long run of received packets, a run of losses, then a mix with large (and negative) deltas
    const received = i < 120 || (i >= 160 && i % 7 !== 3);
    const deltaUs = i % 11 === 0 ? 250 * 400 : i % 13 === 0 ? -250 * 5 : 250 * (i % 4);
    packets.push(received ? { seq, received, deltaUs } : { seq, received });
  }
  const fb: TwccFeedback = { senderSsrc: 11, mediaSsrc: 22, baseSeq: 65400, statusCount: packets.length, referenceTime: 4321, fbPktCount: 9, packets };
  const wire = encodeTwccFeedback(fb);
  const [parsed] = RtcpPacketConverter.deSerialize(wire) as unknown as { feedback: WeriftTwcc }[];
  assert.deepEqual(twccFromWerift(parsed!.feedback), decodeTwccFeedback(wire));
});
