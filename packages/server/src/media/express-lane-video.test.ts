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
import { vp8Packet } from './fixtures/vp8-packet.ts';

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

test('a simulcast consumer rides the lane of the layer it forwards: out to switch layers, out when its layer stops, its stream continuous', async () => {
  const native = addon();
  const producer = new Producer('pub', 'video');
  producer.active = true;
  producer.setRids(['q', 'f']);
  const plis: number[] = [];
  const receiver = { sendRtcpPLI: async (ssrc: number) => void plis.push(ssrc) } as unknown as RTCRtpReceiver;
  const tracks = [100, 200].map((ssrc, i) => {
    const t = new MediaStreamTrack({ kind: 'video', remote: true, ssrc, rid: i === 0 ? 'q' : 'f' });
    producer.attach(t, receiver);
    return t;
  });
  // each layer: its own numbers and picture ids; a packet names its layer and count at its end
  const state = [0, 1].map((i) => ({ seq: 1000 * (i + 1), ts: 5000 * (i + 1), pid: 300 * (i + 1), n: 0 }));
  const send = (layer: number, keyframe = false) => {
    const s = state[layer]!;
    s.ts += 6000;
    s.pid = (s.pid + 1) & 0x7fff;
    const payload = Buffer.concat([vp8Packet({ pictureId: s.pid, tl0PicIdx: s.pid & 0xff, keyframe }), Buffer.from([layer, s.n++ & 0xff])]);
    const header = new RtpHeader({ payloadType: 96, ssrc: layer === 0 ? 100 : 200, sequenceNumber: s.seq, timestamp: s.ts, marker: true });
    s.seq = (s.seq + 1) & 0xffff;
    tracks[layer]!.onReceiveRtp.execute(new RtpPacket(header, payload), {});
  };
  const both = (n: number, only?: number) => {
    for (let i = 0; i < n; i++) for (const l of [0, 1]) if (only === undefined || only === l) send(l);
  };
  const received: { seq: number; pid: number; layer: number }[] = [];
  const fwd = await forwardToClient(native, producer, (p) => {
    const d = new Vp8Descriptor();
    assert.ok(parseVp8Descriptor(p.payload, 0, p.payload.length, d));
    received.push({ seq: p.header.sequenceNumber, pid: d.pictureId, layer: p.payload[p.payload.length - 2]! });
  });
  try {
    const c = fwd.consumer;
    // the top layer starts on its keyframe, then rides its lane
    both(2);
    send(1, true);
    both(1);
    assert.equal(c.currentLayer, 1);
    assert.ok(c.inExpress, 'in the top layer\'s lane');
    assert.equal(producer.consumers.list.length, 0);
    both(20);
    await until('the top layer', () => received.length >= 22);
    // asked for the low layer: out of the lane until its keyframe, then in the low layer's lane
    c.setTargetLayer(0);
    assert.equal(c.inExpress, false);
    // a step down answers no NACK for the old layer (its keyframe is what the viewer needs)
    c.slot.transceiver.sender.onGenericNack.execute({ lost: [received[10]!.seq] } as never);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 22, 'the top layer\'s packets are not sent again after the step down');
    both(3);
    assert.ok(plis.includes(100), 'a keyframe asked of the low layer');
    send(0, true);
    send(0);
    assert.equal(c.currentLayer, 0);
    assert.ok(c.inExpress, 'in the low layer\'s lane');
    both(20);
    // the low layer stops (the publisher's estimate fell): its member leaves at a lane check and falls back to the top
    const fallbackFrom = received.length;
    // (a step down drops the top layer at once: 22 of the top, then 22 of the low)
    await until('the low layer', () => received.length >= 44);
    for (let t = 0; t < 12; t++) {
      both(1, 1);
      await new Promise((r) => setTimeout(r, 80));
    }
    assert.equal(c.inExpress, false, 'left the lane of a layer that stopped');
    send(1, true);
    both(5, 1);
    assert.equal(c.currentLayer, 1, 'fell back to the layer that flows');
    assert.ok(c.inExpress, 'and rides its lane');
    await until('the fallback', () => received.length >= fallbackFrom + 6);
    await new Promise((r) => setTimeout(r, 100));
    // what the client saw: top, then low, then top again; one stream throughout
    const layers = received.map((r) => r.layer).join('');
    assert.match(layers, /^1+0+1+$/);
    for (let i = 1; i < received.length; i++) {
      assert.equal(received[i]!.seq, (received[i - 1]!.seq + 1) & 0xffff, `sequence ${i}`);
      assert.equal(received[i]!.pid, (received[i - 1]!.pid + 1) & 0x7fff, `picture id ${i}`);
    }
    c.close();
  } finally {
    await fwd.close();
    producer.close();
  }
});
