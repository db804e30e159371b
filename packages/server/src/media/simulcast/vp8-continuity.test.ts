import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vp8Continuity } from './vp8-continuity.ts';
import { parseVp8Descriptor, Vp8Descriptor, writeVp8Ids } from '../codecs/vp8-descriptor.ts';
import { vp8Packet, type Vp8PacketSpec } from '../fixtures/vp8-packet.ts';

/** Maps one packet and returns the ids a subscriber would read after writeVp8Ids. */
function map(c: Vp8Continuity, source: number, spec: Vp8PacketSpec): [number, number] {
  const buf = vp8Packet(spec);
  const d = new Vp8Descriptor();
  assert.ok(parseVp8Descriptor(buf, 0, buf.length, d));
  c.rewrite(source, d);
  writeVp8Ids(buf, 0, d, c.pictureId, c.tl0PicIdx);
  assert.ok(parseVp8Descriptor(buf, 0, buf.length, d));
  return [d.pictureId, d.tl0PicIdx];
}

test('one source passes through unchanged, packets of a frame share the id', () => {
  const c = new Vp8Continuity();
  assert.deepEqual(map(c, 1, { pictureId: 100, tl0PicIdx: 5 }), [100, 5]);
  assert.deepEqual(map(c, 1, { pictureId: 100, tl0PicIdx: 5, start: false }), [100, 5]);
  assert.deepEqual(map(c, 1, { pictureId: 101, tl0PicIdx: 6 }), [101, 6]);
});

test('a source switch continues at +1 and keeps the new source\'s own increments', () => {
  const c = new Vp8Continuity();
  map(c, 1, { pictureId: 100, tl0PicIdx: 5 });
  map(c, 1, { pictureId: 101, tl0PicIdx: 6 });
  assert.deepEqual(map(c, 2, { pictureId: 5000, tl0PicIdx: 200, keyframe: true }), [102, 7]);
  assert.deepEqual(map(c, 2, { pictureId: 5000, tl0PicIdx: 200, start: false }), [102, 7]);
  assert.deepEqual(map(c, 2, { pictureId: 5001, tl0PicIdx: 201 }), [103, 8]);
  assert.deepEqual(map(c, 2, { pictureId: 5003, tl0PicIdx: 203 }), [105, 10], 'a gap upstream stays a gap');
  // back to the first source, whose ids went on meanwhile
  assert.deepEqual(map(c, 1, { pictureId: 140, tl0PicIdx: 45, keyframe: true }), [106, 11]);
});

test('15-bit and 8-bit wraps, on the source side and on the output side', () => {
  const c = new Vp8Continuity();
  assert.deepEqual(map(c, 1, { pictureId: 32766, tl0PicIdx: 254 }), [32766, 254]);
  assert.deepEqual(map(c, 1, { pictureId: 32767, tl0PicIdx: 255 }), [32767, 255]);
  assert.deepEqual(map(c, 2, { pictureId: 10, tl0PicIdx: 3, keyframe: true }), [0, 0]);
  const d = new Vp8Continuity();
  map(d, 1, { pictureId: 50, tl0PicIdx: 10 });
  map(d, 2, { pictureId: 32767, tl0PicIdx: 255, keyframe: true });
  assert.deepEqual(map(d, 2, { pictureId: 0, tl0PicIdx: 0 }), [52, 12]);
});

test('7-bit ids wrap at 128 and stay +1 across a switch from a 15-bit source', () => {
  const c = new Vp8Continuity();
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) seen.push(map(c, 1, { pictureId: 125 + i, bits: 7 })[0]);
  assert.deepEqual(seen, [125, 126, 127, 0, 1]);
  const m = new Vp8Continuity();
  map(m, 1, { pictureId: 500 }); // 15-bit
  const a = map(m, 2, { pictureId: 120, bits: 7, keyframe: true })[0];
  assert.equal(a, 501 % 128);
  const ids = [a];
  for (let p = 121; p < 140; p++) ids.push(map(m, 2, { pictureId: p & 0x7f, bits: 7 })[0]);
  for (let i = 1; i < ids.length; i++) assert.equal((ids[i]! - ids[i - 1]! + 128) % 128, 1);
  // and back to 15 bits: +1 from the 7-bit run's position in the 15-bit output space
  assert.equal(map(m, 1, { pictureId: 9000, keyframe: true })[0], 501 + 19 + 1);
});

test('switchSource re-bases even when the source id is the same', () => {
  const c = new Vp8Continuity();
  map(c, 7, { pictureId: 10, tl0PicIdx: 1 });
  c.switchSource();
  assert.deepEqual(map(c, 7, { pictureId: 9999, tl0PicIdx: 99, keyframe: true }), [11, 2]);
});

test('a reordered packet gets its older id and does not move the stream back', () => {
  const c = new Vp8Continuity();
  map(c, 1, { pictureId: 10 });
  map(c, 1, { pictureId: 12 });
  assert.equal(map(c, 1, { pictureId: 11 })[0], 11);
  assert.equal(map(c, 1, { pictureId: 13 })[0], 13);
});

test('packets without the fields map to -1 and a pending re-base waits for one that has them', () => {
  const c = new Vp8Continuity();
  map(c, 1, { pictureId: 10, tl0PicIdx: 4 });
  const bare = new Vp8Descriptor();
  const buf = vp8Packet({ keyframe: true });
  parseVp8Descriptor(buf, 0, buf.length, bare);
  c.rewrite(2, bare);
  assert.deepEqual([c.pictureId, c.tl0PicIdx], [-1, -1]);
  assert.deepEqual(map(c, 2, { pictureId: 700, tl0PicIdx: 70 }), [11, 5]);
});
