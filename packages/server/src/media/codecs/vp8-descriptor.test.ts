import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVp8Descriptor, Vp8Descriptor, writeVp8Ids } from './vp8-descriptor.ts';
import { vp8Packet } from '../fixtures/vp8-packet.ts';

function parse(buf: Buffer, offset = 0): Vp8Descriptor {
  const d = new Vp8Descriptor();
  assert.equal(parseVp8Descriptor(buf, offset, buf.length, d), true);
  return d;
}

test('a one-byte descriptor: frame start and key frame, no optional fields', () => {
  const d = parse(vp8Packet({ keyframe: true }));
  assert.equal(d.x, false);
  assert.equal(d.s, true);
  assert.equal(d.pid, 0);
  assert.equal(d.headerPos, 1);
  assert.equal(d.startsFrame, true);
  assert.equal(d.keyframe, true);
  assert.equal(d.pictureId, -1);
  assert.equal(d.pictureIdBits, 0);
  assert.equal(d.tl0PicIdx, -1);
  assert.equal(d.tid, -1);
  assert.equal(d.keyIdx, -1);
});

test('every optional field with a 7-bit PictureID', () => {
  const d = parse(vp8Packet({ pictureId: 0x55, bits: 7, tl0PicIdx: 200, tid: 2, y: true, keyIdx: 17, nonReference: true }));
  assert.deepEqual(
    [d.x, d.n, d.i, d.l, d.t, d.k, d.pictureId, d.pictureIdBits, d.pictureIdPos, d.tl0PicIdx, d.tl0PicIdxPos],
    [true, true, true, true, true, true, 0x55, 7, 2, 200, 3],
  );
  assert.deepEqual([d.tid, d.y, d.keyIdx, d.headerPos], [2, true, 17, 5]);
  assert.equal(d.keyframe, false, 'P bit is 1');
});

test('a 15-bit PictureID, K without T', () => {
  const d = parse(vp8Packet({ pictureId: 0x7abc, keyIdx: 3, keyframe: true }));
  assert.deepEqual([d.pictureId, d.pictureIdBits, d.pictureIdPos], [0x7abc, 15, 2]);
  assert.deepEqual([d.t, d.tid, d.k, d.keyIdx, d.tl0PicIdxPos, d.headerPos], [false, -1, true, 3, -1, 5]);
  assert.equal(d.keyframe, true);
});

test('only S=1 with PID=0 starts a frame; only a frame start can be a key frame', () => {
  const cont = parse(vp8Packet({ start: false, pictureId: 9, keyframe: true }));
  assert.deepEqual([cont.startsFrame, cont.keyframe], [false, false]);
  const part1 = parse(vp8Packet({ pid: 1, pictureId: 9, keyframe: true }));
  assert.deepEqual([part1.s, part1.pid, part1.startsFrame, part1.keyframe], [true, 1, false, false]);
  const delta = parse(vp8Packet({ pictureId: 9 }));
  assert.deepEqual([delta.startsFrame, delta.keyframe], [true, false]);
});

test('parses at an offset (after an RTP header); positions are relative to the payload', () => {
  const payload = vp8Packet({ pictureId: 1234, tl0PicIdx: 7, keyframe: true });
  const packet = Buffer.concat([Buffer.alloc(12, 0xff), payload]);
  const d = parse(packet, 12);
  assert.deepEqual([d.pictureId, d.pictureIdPos, d.tl0PicIdx, d.tl0PicIdxPos, d.headerPos, d.keyframe], [1234, 2, 7, 4, 5, true]);
});

test('a truncated descriptor is rejected without throwing', () => {
  const full = vp8Packet({ pictureId: 300, tl0PicIdx: 1, tid: 1, body: 0 });
  const d = new Vp8Descriptor();
  for (let len = 0; len < full.length; len++) {
    assert.equal(parseVp8Descriptor(full, 0, len, d), false, `length ${len}`);
  }
  assert.equal(parseVp8Descriptor(full, 0, full.length, d), true);
});

test('a reused descriptor object forgets the fields of the previous packet', () => {
  const d = new Vp8Descriptor();
  const a = vp8Packet({ pictureId: 300, tl0PicIdx: 1, tid: 1, y: true, keyIdx: 4, keyframe: true });
  const b = vp8Packet({ start: false });
  parseVp8Descriptor(a, 0, a.length, d);
  parseVp8Descriptor(b, 0, b.length, d);
  assert.deepEqual(
    [d.x, d.i, d.l, d.t, d.k, d.y, d.pictureId, d.pictureIdBits, d.tl0PicIdx, d.tid, d.keyIdx, d.keyframe],
    [false, false, false, false, false, false, -1, 0, -1, -1, -1, false],
  );
});

test('writeVp8Ids keeps a 15-bit field 15-bit and leaves other bytes alone', () => {
  const buf = vp8Packet({ pictureId: 5, tl0PicIdx: 9, tid: 2, y: true, keyframe: true });
  const before = Buffer.from(buf);
  const d = parse(buf);
  writeVp8Ids(buf, 0, d, 0x1234 + 0x8000, 300); // wraps to 0x1234 and 44
  const e = parse(buf);
  assert.deepEqual([e.pictureId, e.pictureIdBits, e.tl0PicIdx, e.tid, e.y, e.keyframe], [0x1234, 15, 44, 2, true, true]);
  for (const i of [0, 1, 5, 6, 7]) assert.equal(buf[i], before[i], `byte ${i}`);
});

test('writeVp8Ids wraps a 7-bit PictureID at 128 and keeps M=0', () => {
  const buf = Buffer.concat([Buffer.alloc(12), vp8Packet({ pictureId: 3, bits: 7 })]);
  const d = parse(buf, 12);
  writeVp8Ids(buf, 12, d, 130, -1);
  const e = parse(buf, 12);
  assert.deepEqual([e.pictureId, e.pictureIdBits, e.headerPos], [2, 7, 3]);
  assert.equal(buf[14]! & 0x80, 0);
});

test('writeVp8Ids skips fields the packet does not carry or values that are negative', () => {
  const buf = vp8Packet({ tl0PicIdx: 9 });
  const d = parse(buf);
  writeVp8Ids(buf, 0, d, 77, -1);
  assert.deepEqual(buf, vp8Packet({ tl0PicIdx: 9 }));
  writeVp8Ids(buf, 0, d, 77, 10);
  assert.equal(parse(buf).tl0PicIdx, 10);
  assert.equal(parse(buf).pictureId, -1);
});

test('a key frame carries its picture size after the start code', () => {
  const payload = Buffer.from([0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 0xaa]);
  const d = new Vp8Descriptor();
  assert.ok(parseVp8Descriptor(payload, 0, payload.length, d));
  assert.equal(d.keyframe, true);
  assert.deepEqual([d.width, d.height], [640, 360]);
  const delta = Buffer.from(payload);
  delta[4] = 0x11;
  assert.ok(parseVp8Descriptor(delta, 0, delta.length, d));
  assert.deepEqual([d.keyframe, d.width, d.height], [false, 0, 0]);
});
