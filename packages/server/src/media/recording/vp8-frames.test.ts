import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opusPacketMs, Vp8Assembler } from './vp8-frames.ts';

/** A VP8 RTP payload: 1-byte descriptor (S bit), then data; the first packet of a frame carries the P bit. */
function packet(start: boolean, key: boolean, data: number[]): Buffer {
  const desc = start ? 0x10 : 0x00;
  return Buffer.from([desc, ...(start ? [key ? 0x00 : 0x01] : []), ...data]);
}

test('joins the packets of a frame, descriptor stripped; waits for a key frame first', () => {
  let asked = 0;
  const a = new Vp8Assembler(() => asked++);
  assert.equal(a.push(packet(true, false, [9]), 100, true, 0), undefined, 'a delta frame before any key frame');
  assert.equal(a.push(packet(true, true, [1, 2]), 200, false, 0), undefined);
  const f = a.push(packet(false, false, [3, 4]), 200, true, 0);
  assert.deepEqual(f && [...f.data], [0x00, 1, 2, 3, 4]);
  assert.equal(f?.keyframe, true);
  assert.equal(f?.timestamp, 200);
  const d = a.push(packet(true, false, [5]), 300, true, 0);
  assert.equal(d?.keyframe, false);
  assert.equal(asked, 0);
});

test('a loss drops the frame and what follows until a key frame, and asks for one', () => {
  let asked = 0;
  const a = new Vp8Assembler(() => asked++);
  assert.ok(a.push(packet(true, true, [1]), 100, true, 0));
  assert.equal(a.push(packet(true, false, [2]), 200, false, 0), undefined);
  assert.equal(a.push(packet(false, false, [3]), 200, true, 1), undefined, 'a packet of the frame was lost');
  assert.equal(asked, 1);
  assert.equal(a.push(packet(true, false, [4]), 300, true, 0), undefined, 'depends on the lost frame');
  assert.ok(a.push(packet(true, true, [5]), 400, true, 0));
  assert.equal(a.waitingForKeyframe, false);
  // a frame whose marker packet was lost (the next frame starts): dropped
  assert.equal(a.push(packet(true, false, [6]), 500, false, 0), undefined);
  assert.equal(a.push(packet(true, false, [7]), 600, true, 0), undefined);
  assert.equal(a.dropped, 2);
});

test('opus packet durations from the TOC byte', () => {
  assert.equal(opusPacketMs(Buffer.from([0xf8])), 20); // CELT FB 20 ms, one frame
  assert.equal(opusPacketMs(Buffer.from([0x78])), 20); // SILK WB 20 ms
  assert.equal(opusPacketMs(Buffer.from([0x79, 0])), 40); // two frames
  assert.equal(opusPacketMs(Buffer.from([0x03, 0x03])), 30); // SILK NB 10 ms, three frames
});
