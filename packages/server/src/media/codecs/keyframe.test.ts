import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isH264Keyframe, isKeyframe, isVp8Keyframe, videoCodecOf } from './keyframe.ts';
import { vp8Packet } from '../fixtures/vp8-packet.ts';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

test('VP8: the first packet of a key frame only', () => {
  assert.equal(isVp8Keyframe(vp8Packet({ pictureId: 1, keyframe: true })), true);
  assert.equal(isVp8Keyframe(vp8Packet({ pictureId: 1 })), false);
  assert.equal(isVp8Keyframe(vp8Packet({ pictureId: 1, keyframe: true, start: false })), false);
  assert.equal(isVp8Keyframe(b(0x90, 0x80)), false, 'truncated');
  const atOffset = Buffer.concat([Buffer.alloc(12, 0xee), vp8Packet({ keyframe: true })]);
  assert.equal(isVp8Keyframe(atOffset, 12), true);
});

test('H.264 single NAL units: IDR and SPS are key, others are not', () => {
  assert.equal(isH264Keyframe(b(0x65, 0x88, 0x84)), true, 'IDR');
  assert.equal(isH264Keyframe(b(0x67, 0x42, 0x00)), true, 'SPS');
  assert.equal(isH264Keyframe(b(0x68, 0xce)), false, 'PPS');
  assert.equal(isH264Keyframe(b(0x41, 0x9a)), false, 'non-IDR slice');
  assert.equal(isH264Keyframe(b()), false, 'empty');
});

test('H.264 STAP-A: key when any aggregated unit is SPS or IDR', () => {
  // STAP-A header, [len 2][SPS 2 bytes], [len 2][PPS 2 bytes]
  assert.equal(isH264Keyframe(b(0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce)), true);
  // PPS then IDR
  assert.equal(isH264Keyframe(b(0x78, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88)), true);
  // SEI and a non-IDR slice
  assert.equal(isH264Keyframe(b(0x78, 0, 2, 0x06, 0x05, 0, 2, 0x41, 0x9a)), false);
  // a unit length running past the end
  assert.equal(isH264Keyframe(b(0x78, 0, 9, 0x67, 0x42)), false);
});

test('H.264 FU-A: only the start fragment of an IDR is key', () => {
  assert.equal(isH264Keyframe(b(0x7c, 0x85, 0x88)), true, 'start, IDR');
  assert.equal(isH264Keyframe(b(0x7c, 0x05, 0x88)), false, 'middle, IDR');
  assert.equal(isH264Keyframe(b(0x7c, 0x45, 0x88)), false, 'end, IDR');
  assert.equal(isH264Keyframe(b(0x7c, 0x81, 0x9a)), false, 'start, non-IDR');
  assert.equal(isH264Keyframe(b(0x7c)), false, 'truncated');
});

test('isKeyframe dispatches on the codec; videoCodecOf maps mime types', () => {
  const idr = b(0x65, 0x88);
  assert.equal(isKeyframe('h264', idr), true);
  assert.equal(isKeyframe('vp8', idr), false); // read as VP8: S=0
  assert.equal(isKeyframe('vp8', vp8Packet({ keyframe: true })), true);
  assert.equal(videoCodecOf('video/VP8'), 'vp8');
  assert.equal(videoCodecOf('video/h264'), 'h264');
  assert.equal(videoCodecOf('video/VP9'), undefined);
});
