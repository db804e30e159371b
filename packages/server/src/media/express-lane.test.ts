// The express lane: the native fan-out writes what the fast sender would (headers, rewriting,
// rollover counter, transport-wide numbers, SRTP), its numbers reach the send history, and a
// consumer of a real producer and subscriber connection goes in and out of it with its stream
// continuous at a real werift client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { MediaStreamTrack, RtpHeader, RtpPacket, type RTCRtpReceiver } from 'werift';
import { nativeSocketOf } from './native/send-queue.ts';
import { DownlinkCc } from './downlink-cc.ts';
import { Producer } from './producer.ts';
import { addon, forwardToClient, udpPair, until } from './express-lane.testing.ts';
import { mediaCounts } from './metrics.ts';
import { parseVp8Descriptor, Vp8Descriptor } from './codecs/vp8-descriptor.ts';
import { Vp8Continuity } from './simulcast/vp8-continuity.ts';

test('the native fan-out writes each leg its own stream: offsets, SSRC, payload type, rollover counter, transport-wide numbers, SRTP', async () => {
  const native = addon();
  const udp = await udpPair();
  const { rx, tx, got } = udp;
  try {
    const twin = nativeSocketOf(native, tx)!;
    assert.ok(twin);
    const port = rx.address().port;
    const keys = [0, 1].map(() => ({ key: randomBytes(16), salt: randomBytes(12) }));
    const cc = new DownlinkCc();
    const block = cc.sharedBlock();
    const group = native.fanoutGroup();
    const legs = keys.map(() => native.fanoutLeg());
    // leg 0: numbered, about to wrap its sequence numbers; leg 1: unnumbered, fresh
    native.fanoutLegSet(legs[0]!, native.gcm(keys[0]!.key, keys[0]!.salt), twin, 0x7f000001, port, 0xaaaa0001, 111, 3, block, 0xfff0, 1000, 0, 0, 0xfffd, 7, 5, 1, 10, 800);
    native.fanoutLegSet(legs[1]!, native.gcm(keys[1]!.key, keys[1]!.salt), twin, 0x7f000001, port, 0xbbbb0002, 109, 0, undefined, 5, 0xfffffff0, 0, 0, -1, 0, 0, 0, 0, 0);
    for (const l of legs) native.fanoutAdd(group, l);
    const payloads = [0, 1, 2, 3].map((i) => randomBytes(60 + i));
    // input 13..16: leg 0 writes 0xfffd, 0xfffe, 0xffff, 0x0000 (its ROC goes 7 → 8), leg 1 18..21
    const inSeqs = [13, 14, 15, 16];
    for (let i = 0; i < 4; i++) assert.equal(native.fanout(group, inSeqs[i]!, 0xfffffff8 + i, i === 3, payloads[i]!, 100 + i), 2);
    native.flush();
    for (let i = 0; i < 50 && got.length < 8; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 8);
    const opened = got.map((d) => {
      const ssrc = d.readUInt32BE(8);
      const leg = ssrc === 0xaaaa0001 ? 0 : 1;
      const seq = d.readUInt16BE(2);
      const headerLength = d[0]! & 0x10 ? 20 : 12;
      // leg 0: ROC 7 until its output wraps to 0, then 8
      const roc = leg === 0 && seq < 0x8000 ? 8 : leg === 0 ? 7 : 0;
      const out = Buffer.alloc(d.length);
      const n = native.unprotect(native.gcm(keys[leg]!.key, keys[leg]!.salt, true), ssrc, roc, seq, d, headerLength, out);
      assert.ok(n > 0, `leg ${leg} seq ${seq} opens under ROC ${roc}`);
      return { leg, seq, ts: d.readUInt32BE(4), pt: d[1]! & 0x7f, marker: (d[1]! & 0x80) !== 0, twcc: headerLength === 20 ? d.readUInt16BE(17) : -1, ext: d.subarray(12, 17), payload: out.subarray(headerLength, n) };
    });
    for (const leg of [0, 1]) {
      const mine = opened.filter((p) => p.leg === leg);
      assert.deepEqual(
        mine.map((p) => p.seq),
        inSeqs.map((s) => (s + (leg === 0 ? 0xfff0 : 5)) & 0xffff),
      );
      assert.deepEqual(
        mine.map((p) => p.ts),
        [0, 1, 2, 3].map((i) => (0xfffffff8 + i + (leg === 0 ? 1000 : 0xfffffff0)) >>> 0),
      );
      assert.ok(mine.every((p) => p.pt === (leg === 0 ? 111 : 109)));
      assert.deepEqual(
        mine.map((p) => p.marker),
        [false, false, false, true],
      );
      mine.forEach((p, i) => assert.ok(p.payload.equals(payloads[i]!)));
    }
    const numbered = opened.filter((p) => p.leg === 0);
    assert.deepEqual(
      numbered.map((p) => p.twcc),
      [0, 1, 2, 3],
      'numbers from the shared counter',
    );
    assert.ok(numbered.every((p) => p.ext.equals(Buffer.from([0xbe, 0xde, 0, 1, 0x31]))));
    assert.ok(opened.filter((p) => p.leg === 1).every((p) => p.twcc === -1));
    // the state the module reached
    const state = new Float64Array(6);
    native.fanoutLegState(legs[0]!, state);
    assert.deepEqual([...state], [0, 8, (0xfffffff8 + 3 + 1000) >>> 0, 103, 14, 800 + 60 + 61 + 62 + 63]);
    // the numbers reach the send history, with what the fast sender counts per packet
    const recorded: [number, number, number][] = [];
    cc.estimator.onPacketSent = (seq, bytes, ms) => void recorded.push([seq, bytes, ms]);
    cc.drainShared();
    assert.deepEqual(
      recorded,
      [0, 1, 2, 3].map((i) => [i, 20 + 60 + i + 44, 100 + i]),
    );
    cc.drainShared();
    assert.equal(recorded.length, 4, 'each record once');
    // JavaScript numbers on from the same counter
    assert.equal(cc.next(100, 200), 4);
    // a leg taken out is sent nothing; a closed socket neither
    native.fanoutRemove(legs[1]!);
    assert.equal(native.fanout(group, 17, 0, false, payloads[0]!, 104), 1);
    native.closeSocket(twin);
    assert.equal(native.fanout(group, 18, 0, false, payloads[0]!, 105), 0);
  } finally {
    udp.close();
  }
});

test('numbers the send history missed while the ring was full are skipped, the newest kept', async () => {
  const native = addon();
  const tx = createSocket('udp4');
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', r));
  try {
    const cc = new DownlinkCc();
    const group = native.fanoutGroup();
    const leg = native.fanoutLeg();
    // to a port nothing listens on: the kernel drops them, the numbering is what is tested
    native.fanoutLegSet(leg, native.gcm(randomBytes(16), randomBytes(12)), nativeSocketOf(native, tx)!, 0x7f000001, 9, 1, 111, 2, cc.sharedBlock(), 0, 0, 0, 0, -1, 0, 0, 0, 0, 0);
    native.fanoutAdd(group, leg);
    for (let i = 0; i < 600; i++) {
      native.fanout(group, i, i * 960, false, Buffer.alloc(20), i);
      if (i % 100 === 99) native.flush();
    }
    native.flush();
    const recorded: number[] = [];
    cc.estimator.onPacketSent = (seq) => void recorded.push(seq);
    cc.drainShared();
    assert.equal(recorded.length, 512, 'what the ring holds');
    assert.deepEqual([recorded[0], recorded.at(-1)], [88, 599]);
  } finally {
    tx.close();
  }
});

test('the native fan-out moves each leg\'s VP8 picture ids and TL0PICIDX by its offsets, as the JavaScript mapping does; the shared payload never changes', async () => {
  const native = addon();
  const udp = await udpPair();
  const { rx, tx, got } = udp;
  try {
    const key = { key: randomBytes(16), salt: randomBytes(12) };
    // a slot whose stream had another source before: its mapping was re-based, the offsets are not 0
    const ids = new Vp8Continuity();
    const vp8 = (pid: number, tl0: number, wide: boolean): Buffer =>
      wide ? Buffer.from([0x90, 0xc0, 0x80 | (pid >> 8), pid & 0xff, tl0, 0x01, 7, 7]) : Buffer.from([0x90, 0xc0, pid & 0x7f, tl0, 0x01, 7, 7]);
    const parse = (b: Buffer): Vp8Descriptor => {
      const d = new Vp8Descriptor();
      assert.ok(parseVp8Descriptor(b, 0, b.length, d));
      return d;
    };
    ids.rewrite(1, parse(vp8(30_000, 200, true)));
    ids.rewrite(2, parse(vp8(7, 3, true)));
    const o = ids.offsets()!;
    assert.ok(o && o.pid !== 0 && o.tl0 !== 0);
    const group = native.fanoutGroup();
    const leg = native.fanoutLeg();
    native.fanoutLegSet(leg, native.gcm(key.key, key.salt), nativeSocketOf(native, tx)!, 0x7f000001, rx.address().port, 5, 96, 0, undefined, 0, 0, o.pid, o.tl0, -1, 0, 0, 0, 0, 0);
    native.fanoutAdd(group, leg);
    // the next packets of the second source, one across the 15-bit wrap of the output
    const inputs = [vp8(8, 3, true), vp8(9, 4, true), vp8(0x7fff, 5, true), vp8(0, 6, true)];
    const expected = inputs.map((b) => {
      const d = parse(b);
      ids.rewrite(2, d);
      return [0x8000 | ids.pictureId, ids.tl0PicIdx];
    });
    const copies = inputs.map((b) => Buffer.from(b));
    inputs.forEach((b, i) => {
      const d = parse(b);
      assert.equal(native.fanout(group, 100 + i, 0, false, b, 0, d.pictureIdPos, d.pictureIdBits, d.pictureId, d.tl0PicIdxPos, d.tl0PicIdx), 1);
    });
    // a 7-bit picture id: written in 7 bits, moved by the same offset
    const narrow = vp8(100, 9, false);
    const dn = parse(narrow);
    native.fanout(group, 104, 0, false, narrow, 0, dn.pictureIdPos, dn.pictureIdBits, dn.pictureId, dn.tl0PicIdxPos, dn.tl0PicIdx);
    native.flush();
    for (let i = 0; i < 50 && got.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 5);
    const opened = got.map((d) => {
      const out = Buffer.alloc(d.length);
      const n = native.unprotect(native.gcm(key.key, key.salt, true), 5, 0, d.readUInt16BE(2), d, 12, out);
      assert.ok(n > 0);
      return out.subarray(12, n);
    });
    opened.slice(0, 4).forEach((p, i) => {
      assert.deepEqual([p.readUInt16BE(2), p[4]], expected[i], `packet ${i}`);
      assert.ok(p.subarray(5).equals(inputs[i]!.subarray(5)), 'the rest of the payload as sent');
    });
    assert.deepEqual([opened[4]![2], opened[4]![3]], [(100 + o.pid) & 0x7f, (9 + o.tl0) & 0xff]);
    inputs.forEach((b, i) => assert.ok(b.equals(copies[i]!), 'the shared payload is unchanged'));
    assert.throws(() => native.fanout(group, 1, 0, false, inputs[0]!, 0, 2, 9, 1, -1, 0), TypeError, 'a picture id is 7 or 15 bits');
  } finally {
    udp.close();
  }
});

test('the native fan-out refuses bad arguments with a TypeError, never a crash', () => {
  const native = addon();
  const group = native.fanoutGroup();
  const leg = native.fanoutLeg();
  assert.throws(() => native.fanoutAdd(group, leg), /no route/);
  assert.throws(() => native.fanoutAdd(leg as never, group as never), TypeError);
  assert.throws(() => native.fanout(leg as never, 1, 2, false, Buffer.alloc(10), 0), TypeError);
  assert.throws(() => native.fanout(group, 0x10000, 2, false, Buffer.alloc(10), 0), TypeError);
  assert.throws(() => native.fanoutLegState(leg, new Float64Array(2)), TypeError);
  const ctx = native.gcm(randomBytes(16), randomBytes(12));
  assert.throws(() => native.fanoutLegSet(leg, ctx, ctx as never, 1, 2, 3, 96, 0, undefined, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0), TypeError);
  assert.equal(native.fanout(group, 1, 2, false, Buffer.alloc(10), 0), 0, 'an empty group sends nothing');
});


test('an audio consumer joins the express lane after its first packet, leaves it when paused, and its stream stays continuous', async () => {
  const native = addon();
  const producer = new Producer('pub', 'audio');
  producer.active = true;
  const track = new MediaStreamTrack({ kind: 'audio', remote: true, ssrc: 2222 });
  producer.attach(track, { sendRtcpPLI: async () => undefined } as unknown as RTCRtpReceiver);
  let seq = 65_500; // the publisher's numbers wrap during the test
  let ts = 1000;
  const send = (n: number) => {
    for (let i = 0; i < n; i++) {
      ts += 960;
      const header = new RtpHeader({ payloadType: 111, ssrc: 2222, sequenceNumber: seq, timestamp: ts, marker: false });
      seq = (seq + 1) & 0xffff;
      track.onReceiveRtp.execute(new RtpPacket(header, Buffer.from([seq & 0xff, 1, 2, 3])), {});
    }
  };
  const received: { seq: number; ts: number; mark: number }[] = [];
  const fwd = await forwardToClient(native, producer, (p) => received.push({ seq: p.header.sequenceNumber, ts: p.header.timestamp, mark: p.payload[0]! }));
  const consumer = fwd.consumer;
  try {
    const c = consumer;
    const forwarded = mediaCounts.forwarded;
    send(1);
    assert.ok(c.inExpress, 'in the lane after its first packet');
    // the lane's periodic check asks whether the route still holds (no route made); any change shows
    const now = performance.now();
    const route = c.slot.fast.expressRoute(now)!;
    assert.ok(c.slot.fast.stillExpress(now, route));
    for (const changed of [{ port: route.port + 1 }, { ip: route.ip + 1 }, { ssrc: route.ssrc + 1 }, { pt: route.pt + 1 }, { ccId: route.ccId + 1 }]) {
      assert.equal(c.slot.fast.stillExpress(now, { ...route, ...changed }), false, JSON.stringify(changed));
    }
    assert.equal(producer.consumers.list.length, 0, 'not sent one by one any more');
    send(59);
    assert.equal(mediaCounts.forwarded - forwarded, 60, 'every packet counted');
    await until('60 packets', () => received.length >= 60);
    // paused (audio selection): out of the lane, nothing sent; resumed: back in after one packet
    c.setTargetLayer(-1);
    assert.equal(c.inExpress, false);
    assert.equal(producer.consumers.list.length, 0, 'a paused stream is not in the per-packet loop either');
    send(20);
    c.setTargetLayer(0);
    send(30);
    assert.ok(c.inExpress);
    await until('90 packets', () => received.length >= 90);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 90, 'nothing of the pause was sent');
    // one stream: +1 sequence numbers throughout (across the publisher's wrap, the lane and the pause)
    for (let i = 1; i < received.length; i++) assert.equal(received[i]!.seq, (received[i - 1]!.seq + 1) & 0xffff, `packet ${i}`);
    // timestamps: +960 per packet, and the pause advanced them by its wall-clock time (at least one packet's worth)
    for (let i = 1; i < 60; i++) assert.equal((received[i]!.ts - received[i - 1]!.ts) >>> 0, 960);
    assert.ok((received[60]!.ts - received[59]!.ts) >>> 0 >= 1);
    // the payloads are the packets sent while not paused
    assert.deepEqual(
      received.slice(58, 62).map((r) => r.mark),
      [(65_500 + 59) & 0xff, (65_500 + 60) & 0xff, (65_500 + 81) & 0xff, (65_500 + 82) & 0xff],
    );
    // the counts came back from the module: what a sender report says
    c.syncExpress(performance.now());
    assert.equal(c.forwarded, 90);
    assert.equal(c.slot.fast.packets, 90);
    // closed: out of the lane
    c.close();
    assert.equal(c.inExpress, false);
    send(5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 90);
  } finally {
    await fwd.close();
    producer.close();
  }
});
