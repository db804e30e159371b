import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CLUSTER_MS, opusHead, WebmWriter } from './webm-writer.ts';
import { vint } from './ebml.ts';

/** A minimal EBML reader for the checks: elements of `buf[from, to)`. */
type El = { id: number; start: number; dataStart: number; size: number };
function readVint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number } {
  const first = buf[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + buf[at + i]!;
  return { value, length };
}
function children(buf: Buffer, from: number, to: number): El[] {
  const out: El[] = [];
  let p = from;
  while (p < to) {
    const id = readVint(buf, p, true);
    const size = readVint(buf, p + id.length, false);
    out.push({ id: id.value, start: p, dataStart: p + id.length + size.length, size: size.value });
    p += id.length + size.length + size.value;
  }
  return out;
}
const find = (els: El[], id: number) => els.filter((e) => e.id === id);
const uintOf = (buf: Buffer, e: El) => (e.size === 8 ? Number(buf.readBigUInt64BE(e.dataStart)) : buf.readUIntBE(e.dataStart, e.size));

function build(frames: [number, boolean][], codec: 'vp8' | 'opus' = 'vp8'): Buffer {
  let file = Buffer.alloc(0);
  const w = new WebmWriter(codec === 'vp8' ? { codec, width: 640, height: 480 } : { codec, channels: 1 }, (b, at) => {
    if (at === undefined) file = Buffer.concat([file, b]);
    else b.copy(file, at);
  });
  for (const [t, key] of frames) w.addFrame(Buffer.from([1, 2, 3]), t, key, codec === 'vp8' ? 33 : 20);
  w.finish();
  assert.equal(w.bytes, file.length);
  return file;
}

test('vint: shortest form, fixed width, all-ones reserved', () => {
  assert.deepEqual(vint(1), Buffer.from([0x81]));
  assert.deepEqual(vint(126), Buffer.from([0xfe]));
  assert.deepEqual(vint(127), Buffer.from([0x40, 0x7f]));
  assert.deepEqual(vint(5, 8), Buffer.from([0x01, 0, 0, 0, 0, 0, 0, 5]));
  assert.throws(() => vint(127, 1), RangeError);
});

test('a VP8 file: header, segment size, duration, clusters at key frames, cues, seek head', () => {
  // 3 s at 30 fps from an arbitrary origin, a key frame every second
  const frames: [number, boolean][] = [];
  for (let i = 0; i < 90; i++) frames.push([1_000_000 + i * (1000 / 30), i % 30 === 0]);
  const file = build(frames);
  const top = children(file, 0, file.length);
  assert.deepEqual(top.map((e) => e.id), [0x1a45dfa3, 0x18538067]);
  const seg = top[1]!;
  assert.equal(seg.dataStart + seg.size, file.length, 'segment size patched to the end of the file');
  const inSeg = children(file, seg.dataStart, file.length);
  assert.deepEqual(
    inSeg.map((e) => e.id),
    [0x114d9b74, 0xec, 0x1549a966, 0x1654ae6b, 0x1f43b675, 0x1f43b675, 0x1f43b675, 0x1c53bb6b],
  );
  // Duration: last frame at 2966.7 ms (rounded) + 33 ms
  const info = children(file, inSeg[2]!.dataStart, inSeg[2]!.dataStart + inSeg[2]!.size);
  const dur = find(info, 0x4489)[0]!;
  assert.equal(file.readDoubleBE(dur.dataStart), 2967 + 33);
  assert.equal(uintOf(file, find(info, 0x2ad7b1)[0]!), 1_000_000);
  // each cluster starts with a key frame at its own timecode; blocks are relative to it
  const clusters = find(inSeg, 0x1f43b675);
  const times = clusters.map((c) => uintOf(file, children(file, c.dataStart, c.dataStart + c.size)[0]!));
  assert.deepEqual(times, [0, 1000, 2000]);
  const blocks = children(file, clusters[1]!.dataStart, clusters[1]!.dataStart + clusters[1]!.size).filter((e) => e.id === 0xa3);
  assert.equal(blocks.length, 30);
  assert.equal(file[blocks[0]!.dataStart + 3], 0x80, 'key frame flag');
  assert.equal(file.readInt16BE(blocks[1]!.dataStart + 1), 33);
  // the seek head points at Info, Tracks and Cues (positions from the segment's data)
  const seeks = find(children(file, inSeg[0]!.dataStart, inSeg[0]!.dataStart + inSeg[0]!.size), 0x4dbb).map((s) => {
    const [sid, pos] = children(file, s.dataStart, s.dataStart + s.size);
    return [file.readUIntBE(sid!.dataStart, sid!.size), uintOf(file, pos!) + seg.dataStart];
  });
  assert.deepEqual(seeks, [
    [0x1549a966, inSeg[2]!.start],
    [0x1654ae6b, inSeg[3]!.start],
    [0x1c53bb6b, inSeg[7]!.start],
  ]);
  const cuePoints = find(children(file, inSeg[7]!.dataStart, inSeg[7]!.dataStart + inSeg[7]!.size), 0xbb);
  assert.equal(cuePoints.length, 3);
});

test('an Opus file: OpusHead codec private; clusters split every 5 s; time never goes back', () => {
  const frames: [number, boolean][] = [];
  for (let i = 0; i < 600; i++) frames.push([i * 20, true]);
  frames.push([100, true]); // a late frame is written 1 ms after the previous one
  const file = build(frames, 'opus');
  const seg = children(file, 0, file.length)[1]!;
  const inSeg = children(file, seg.dataStart, file.length);
  const clusters = find(inSeg, 0x1f43b675);
  assert.equal(clusters.length, Math.ceil(12_000 / MAX_CLUSTER_MS));
  const info = children(file, inSeg[2]!.dataStart, inSeg[2]!.dataStart + inSeg[2]!.size);
  assert.equal(file.readDoubleBE(find(info, 0x4489)[0]!.dataStart), 599 * 20 + 1 + 20);
  assert.ok(file.includes(opusHead(1)));
  assert.ok(file.includes(Buffer.from('A_OPUS')));
});

test('frames at one time (a source switch a few RTP ticks on) are written 1 ms apart: times strictly increase', () => {
  const file = build([[0, true], [33, false], [33, false], [33.004, false], [66, false]], 'vp8');
  const seg = children(file, 0, file.length)[1]!;
  const inSeg = children(file, seg.dataStart, file.length);
  const cluster = find(inSeg, 0x1f43b675)[0]!;
  const blocks = find(children(file, cluster.dataStart, cluster.dataStart + cluster.size), 0xa3);
  assert.deepEqual(
    blocks.map((b) => file.readInt16BE(b.dataStart + 1)),
    [0, 33, 34, 35, 66],
  );
});
