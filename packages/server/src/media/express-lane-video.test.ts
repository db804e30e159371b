// The express lane with video: a one-layer VP8 stream goes in after its first live packet, its
// sequence numbers, picture ids and TL0PICIDX go on across the lane, a pause and a resume, and a NACK for
// a packet the lane sent is answered from the lane's history. A real producer, subscriber
// connection and werift client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaStreamTrack, RtpHeader, RtpPacket, type RTCRtpReceiver } from 'werift';
import { Producer } from './producer.ts';
import { mediaCounts } from './metrics.ts';
import { parseVp8Descriptor, Vp8Descriptor } from './codecs/vp8-descriptor.ts';
import { addon, forwardToClient, until } from './express-lane.testing.ts';

/** A VP8 payload: 15-bit picture id, TL0PICIDX, an inter frame, and a byte naming the packet. */
function vp8(pid: number, tl0: number, mark: number): Buffer {
  return Buffer.from([0x90, 0xc0, 0x80 | (pid >> 8), pid & 0xff, tl0, 0x01, mark, 0, 0, 0]);
}

test('a one-layer video consumer rides the express lane: VP8 ids continuous, NACKs answered from the lane\'s history', async () => {
  const native = addon();
  const producer = new Producer('pub', 'video');
  producer.active = true;
  const track = new MediaStreamTrack({ kind: 'video', remote: true, ssrc: 3333 });
  producer.attach(track, { sendRtcpPLI: async () => undefined } as unknown as RTCRtpReceiver);
  let seq = 65_530; // the publisher's numbers wrap during the test
  let ts = 1000;
  let pid = 0x7ff0; // and its picture ids
  let sent = 0;
  const send = (n: number) => {
    for (let i = 0; i < n; i++) {
      ts += 3000;
      pid = (pid + 1) & 0x7fff;
      const header = new RtpHeader({ payloadType: 96, ssrc: 3333, sequenceNumber: seq, timestamp: ts, marker: true });
      seq = (seq + 1) & 0xffff;
      track.onReceiveRtp.execute(new RtpPacket(header, vp8(pid, pid & 0xff, sent++ & 0xff)), {});
    }
  };
  const received: { seq: number; pid: number; tl0: number; mark: number }[] = [];
  const fwd = await forwardToClient(native, producer, (p) => {
    const d = new Vp8Descriptor();
    assert.ok(parseVp8Descriptor(p.payload, 0, p.payload.length, d), 'a VP8 payload');
    received.push({ seq: p.header.sequenceNumber, pid: d.pictureId, tl0: d.tl0PicIdx, mark: p.payload[6]! });
  });
  try {
    const c = fwd.consumer;
    const forwarded = mediaCounts.forwarded;
    send(1);
    assert.ok(c.inExpress, 'in the lane after its first live packet');
    assert.equal(producer.consumers.list.length, 0);
    send(39);
    assert.equal(mediaCounts.forwarded - forwarded, 40);
    await until('40 packets', () => received.length >= 40);
    // a NACK for a packet the lane sent: the client gets it again, as it was
    const lost = received[20]!;
    c.slot.transceiver.sender.onGenericNack.execute({ lost: [lost.seq] } as never);
    await until('the retransmission', () => received.length >= 41);
    assert.deepEqual(received[40], lost, 'the same sequence number, picture id, TL0PICIDX and payload');
    // paused: out of the lane; resumed: in again after one packet
    c.setTargetLayer(-1);
    assert.equal(c.inExpress, false);
    send(10);
    c.setTargetLayer(0);
    send(20);
    assert.ok(c.inExpress);
    await until('60 packets', () => received.length >= 61);
    await new Promise((r) => setTimeout(r, 100));
    const stream = received.filter((_, i) => i !== 40);
    assert.equal(stream.length, 60, 'nothing of the pause was sent');
    for (let i = 1; i < stream.length; i++) {
      const [a, b] = [stream[i - 1]!, stream[i]!];
      // numbers and ids follow the publisher's, which the pause skipped by 10 (as on the
      // JavaScript path: a resumed video starts again on a keyframe, asked for when it resumes)
      const step = i === 40 ? 11 : 1;
      assert.equal(b.seq, (a.seq + step) & 0xffff, `sequence ${i}`);
      assert.equal(b.pid, (a.pid + step) & 0x7fff, `picture id ${i}`);
      assert.equal(b.tl0, (a.tl0 + step) & 0xff, `TL0PICIDX ${i}`);
    }
    assert.equal(stream[39]!.mark, 39);
    assert.equal(stream[40]!.mark, 50, 'the first packet after the pause');
    c.close();
  } finally {
    await fwd.close();
    producer.close();
  }
});
