import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RtpPacket } from 'werift';
import { Producer } from '../producer.ts';
import { TrackRecorder, type RecordingFile } from './track-recorder.ts';

const packet = (seq: number, timestamp: number, marker: boolean, payload: number[]): RtpPacket =>
  ({ header: { ssrc: 1234, sequenceNumber: seq & 0xffff, timestamp: timestamp >>> 0, marker }, payload: Buffer.from(payload) }) as unknown as RtpPacket;

async function inDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcroom-track-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('audio: packets reordered and one lost become a file lasting the stream; the file is listed once created', async () => {
  await inDir(async (dir) => {
    const p = new Producer('alice', 'audio');
    p.active = true;
    const listed: RecordingFile[] = [];
    const r = new TrackRecorder(p, dir, Date.now(), () => 'alice-audio-1', (f) => listed.push(f));
    assert.ok(p.taps.has(r));
    // 100 packets of 20 ms from sequence 65500 (it wraps), timestamps from near 2^32 (they wrap too)
    const order = Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 40);
    [order[10], order[11]] = [order[11]!, order[10]!];
    for (const i of order) r.onRtp(packet(65500 + i, 0xffff0000 + i * 960, false, [0xf8, i]), i * 20, 0);
    assert.equal(listed.length, 1);
    const f = (await r.stop())!;
    assert.equal(p.taps.size, 0);
    assert.deepEqual([f.name, f.codec, f.contentType, f.state, f.frames], ['alice-audio-1.webm', 'opus', 'audio/webm', 'complete', 99]);
    assert.equal(f.durationMs, 99 * 20 + 20, 'first to last packet, plus the last one');
    assert.equal((await stat(join(dir, f.name))).size, f.bytes);
  });
});

test('video: waits for a key frame (asked for), joins frames, drops a broken one until the next key frame', async () => {
  await inDir(async (dir) => {
    const p = new Producer('bob', 'video');
    p.active = true;
    // packet arrival times on the recorder's own clock (performance.now()), as the router passes them
    const t0 = performance.now();
    const r = new TrackRecorder(p, dir, Date.now(), () => 'bob-video-1', () => undefined);
    const asked = () => p.layers[0]!.keyframes.requested;
    assert.equal(asked(), 1, 'a key frame is asked for at the start');
    let seq = 1;
    // frame k at 90 kHz / 30 fps: two packets (S=1 with the P bit, then a continuation)
    // arrival times: 33 ms apart, and 800 ms later after the loss
    const frame = (k: number, key: boolean, lose = false) => {
      const ts = 1000 + k * 3000;
      const at = t0 + k * 33 + (k > 10 ? 800 : 0);
      r.onRtp(packet(seq++, ts, false, [0x10, key ? 0x00 : 0x01, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, k]), at, 0);
      if (!lose) r.onRtp(packet(seq, ts, true, [0x00, k]), at, 0);
      seq++;
    };
    frame(0, false); // before any key frame: dropped
    frame(1, true);
    for (let k = 2; k < 10; k++) frame(k, false);
    frame(10, false, true); // its second packet is lost
    r.onRtp(packet(seq + 400, 999_999, true, [0x10, 0x01]), t0 + 10 * 33 + 400, 0); // a packet far later: the gap is given up
    seq += 401;
    const before = asked();
    for (let k = 11; k < 15; k++) frame(k, false); // depend on the broken frame: dropped
    assert.equal(asked(), before + 1, 'a key frame is asked for once the gap is given up');
    frame(15, true);
    frame(16, false);
    const f = (await r.stop())!;
    assert.deepEqual([f.codec, f.contentType, f.width, f.height, f.state], ['vp8', 'video/webm', 640, 360, 'complete']);
    assert.equal(f.frames, 1 + 8 + 2, 'the key frame, 8 deltas, then the next key frame and its delta');
    assert.equal(f.durationMs, Math.round(((16 - 1) * 3000) / 90) + 33);
  });
});
