// End to end on a synthetic 3-layer VP8 simulcast stream: LayerSelector decides, SeqTsRewriter
// and Vp8Continuity rewrite, and the subscriber's view is checked for continuity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerSelector } from './layer-selector.ts';
import { Vp8Continuity } from './vp8-continuity.ts';
import { SeqTsRewriter } from '../rewriter.ts';
import { parseVp8Descriptor, Vp8Descriptor, writeVp8Ids } from '../codecs/vp8-descriptor.ts';
import { vp8Packet } from '../fixtures/vp8-packet.ts';

const FRAME_MS = 1000 / 30;
const FRAME_TS = 3000;

interface SimLayer {
  ssrc: number;
  seq: number;
  ts: number;
  pictureId: number;
  bits: 7 | 15;
  tl0: number;
  packetsPerFrame: number;
  sending: boolean;
  /** Frames left before the encoder answers a key frame request (-1: none pending). */
  keyIn: number;
}

interface SimPacket {
  layer: number;
  ssrc: number;
  seq: number;
  ts: number;
  payload: Buffer;
}

/** A publisher: per frame, one VP8 frame on each sending layer, packets interleaved. */
class Publisher {
  readonly layers: SimLayer[];
  frame = 0;
  /** A key frame answers a request this many frames later (the encoder's latency). */
  keyDelay = 3;
  /** Periodic key frames every this many frames. */
  gop = 300;

  constructor(layers: SimLayer[]) {
    this.layers = layers;
  }

  requestKeyframe(layer: number): void {
    const l = this.layers[layer]!;
    if (l.keyIn < 0) l.keyIn = this.keyDelay;
  }

  next(): SimPacket[] {
    const frames = this.layers.map((l, i) => {
      const key = this.frame % this.gop === 0 || l.keyIn === 0;
      if (l.keyIn >= 0) l.keyIn--;
      const pkts: SimPacket[] = [];
      for (let p = 0; p < l.packetsPerFrame; p++) {
        const payload = vp8Packet({ start: p === 0, pictureId: l.pictureId, bits: l.bits, tl0PicIdx: l.tl0, tid: 0, keyframe: key && p === 0 });
        pkts.push({ layer: i, ssrc: l.ssrc, seq: l.seq, ts: l.ts, payload });
        l.seq = (l.seq + 1) & 0xffff;
      }
      l.ts = (l.ts + FRAME_TS) % 2 ** 32;
      l.pictureId = (l.pictureId + 1) % (l.bits === 7 ? 128 : 0x8000);
      l.tl0 = (l.tl0 + 1) & 0xff;
      return l.sending ? pkts : [];
    });
    this.frame++;
    const out: SimPacket[] = [];
    for (let p = 0; p < 3; p++) {
      for (const f of frames) {
        const pkt = f[p];
        if (pkt) out.push(pkt);
      }
    }
    return out;
  }
}

interface OutPacket {
  layer: number;
  now: number;
  seq: number;
  ts: number;
  pictureId: number;
  bits: number;
  tl0: number;
  startsFrame: boolean;
  keyframe: boolean;
}

/** One subscriber's forwarding path, as a consumer would run it. */
class Subscriber {
  readonly selector: LayerSelector;
  readonly rewriter = new SeqTsRewriter();
  readonly vp8 = new Vp8Continuity();
  readonly out: OutPacket[] = [];
  readonly #d = new Vp8Descriptor();

  constructor(pub: Publisher) {
    this.selector = new LayerSelector(pub.layers.map((l) => ({ ssrc: l.ssrc })), { requestKeyframe: (l) => pub.requestKeyframe(l) });
  }

  onPacket(p: SimPacket, now: number): void {
    const d = this.#d;
    assert.ok(parseVp8Descriptor(p.payload, 0, p.payload.length, d));
    const layer = this.selector.layerOfSsrc(p.ssrc);
    if (this.selector.onPacket(layer, d.keyframe, d.startsFrame, now) === 'drop') return;
    if (this.selector.switched) {
      this.rewriter.switchSource();
      this.vp8.switchSource();
    }
    this.rewriter.rewrite(p.ssrc, p.seq, p.ts, now, 90000);
    this.vp8.rewrite(p.ssrc, d);
    const copy = Buffer.from(p.payload); // the upstream payload is shared: rewrite a copy
    writeVp8Ids(copy, 0, d, this.vp8.pictureId, this.vp8.tl0PicIdx);
    const e = new Vp8Descriptor();
    assert.ok(parseVp8Descriptor(copy, 0, copy.length, e));
    this.out.push({ layer, now, seq: this.rewriter.seq, ts: this.rewriter.timestamp, pictureId: e.pictureId, bits: e.pictureIdBits, tl0: e.tl0PicIdx, startsFrame: e.startsFrame, keyframe: e.keyframe });
  }
}

/** A change of forwarded layer: to which, when. */
interface Switch {
  layer: number;
  now: number;
}

/** Asserts what a subscriber must be able to rely on, and returns the layer switches seen. */
function checkContinuity(out: OutPacket[]): Switch[] {
  assert.ok(out.length > 0);
  const runs: Switch[] = [{ layer: out[0]!.layer, now: out[0]!.now }];
  assert.ok(out[0]!.keyframe, 'the stream starts with a key frame');
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1]!;
    const b = out[i]!;
    assert.equal(b.seq, (a.seq + 1) & 0xffff, `sequence +1 at ${i}`);
    const dts = (b.ts - a.ts + 2 ** 32) % 2 ** 32;
    assert.ok(dts < 2 ** 31, `timestamp goes back at ${i}`);
    const mod = b.bits === 7 ? 128 : 0x8000;
    if (b.startsFrame) {
      assert.ok(dts > 0, `a new frame has a new timestamp at ${i}`);
      assert.equal(b.pictureId, (a.pictureId + 1) % mod, `picture id +1 at ${i}`);
      assert.equal(b.tl0, (a.tl0 + 1) & 0xff, `TL0PICIDX +1 at ${i}`);
    } else {
      assert.equal(dts, 0, `same frame, same timestamp at ${i}`);
      assert.equal(b.pictureId, a.pictureId % mod);
    }
    if (b.layer !== a.layer) {
      assert.ok(b.keyframe && b.startsFrame, `layer ${a.layer}→${b.layer} at ${i} is not on a key frame`);
      runs.push({ layer: b.layer, now: b.now });
    }
  }
  return runs;
}

/**
 * Three layers with unrelated SSRCs, sequence numbers, timestamps and picture ids, placed so
 * that wraps happen while a layer is forwarded (sources) and in what the subscriber sees.
 */
function publisher(bits: 7 | 15): Publisher {
  const wrapAt = (frames: number, perFrame: number, mod: number): number => mod - frames * perFrame;
  return new Publisher([
    { ssrc: 0x1111, seq: 65500, ts: wrapAt(40, FRAME_TS, 2 ** 32), pictureId: bits === 7 ? 120 : 32720, bits, tl0: 250, packetsPerFrame: 1, sending: true, keyIn: -1 },
    { ssrc: 0x2222, seq: 100, ts: 12345, pictureId: bits === 7 ? 3 : 32700, bits, tl0: 10, packetsPerFrame: 2, sending: true, keyIn: -1 },
    { ssrc: 0x3333, seq: 65000, ts: wrapAt(50, FRAME_TS, 2 ** 32), pictureId: bits === 7 ? 60 : 32600, bits, tl0: 128, packetsPerFrame: 3, sending: true, keyIn: -1 },
  ]);
}

/** Runs frames, applying `script(frame)` before each. */
function run(pub: Publisher, sub: Subscriber, frames: number, script: (frame: number) => void): void {
  for (let f = 0; f < frames; f++) {
    script(f);
    const now = f * FRAME_MS;
    for (const p of pub.next()) sub.onPacket(p, now);
  }
}

for (const bits of [15, 7] as const) {
  test(`${bits}-bit picture ids: down, up, fallback when the top layer stops, back up; all continuous`, () => {
    const pub = publisher(bits);
    const sub = new Subscriber(pub);
    const s = sub.selector;
    run(pub, sub, 330, (f) => {
      if (f === 30) s.setTarget(0);
      if (f === 60) s.setTarget(1);
      if (f === 90) s.setTarget(2);
      if (f === 120) pub.layers[2]!.sending = false; // the publisher drops its top layer
      if (f === 200) pub.layers[2]!.sending = true;
    });
    const switches = checkContinuity(sub.out);
    const wrapped = (key: 'seq' | 'ts' | 'pictureId'): boolean => sub.out.some((p, i) => i > 0 && p[key] < sub.out[i - 1]![key]);
    assert.ok(wrapped('seq') && wrapped('ts') && wrapped('pictureId'), 'the output wrapped');
    assert.deepEqual(switches.map((x) => x.layer), [2, 0, 1, 2, 1, 2]);
    assert.deepEqual([s.switches, s.current, s.target], [6, 2, 2]);
    // a switch the allocator asks for waits for the encoder's key frame (3 frames + 1 to ask),
    // the old layer flowing meanwhile (checkContinuity: no gap in sequence numbers)
    const frameOf = (x: Switch | undefined): number => Math.round(x!.now / FRAME_MS);
    assert.deepEqual(switches.slice(1, 4).map(frameOf), [34, 64, 94]);
    for (const [asked, from, perFrame] of [[30, 2, 3], [60, 0, 1], [90, 1, 2]] as const) {
      const waiting = sub.out.filter((p) => p.now >= asked * FRAME_MS && p.now < (asked + 4) * FRAME_MS);
      assert.equal(waiting.length, 4 * perFrame, `frames ${asked}-${asked + 3} forwarded`);
      assert.ok(waiting.every((p) => p.layer === from), `from layer ${from} while waiting`);
    }
    // the top layer stopped at frame 120: a second later, layer 1 at its next key frame
    const fall = frameOf(switches[4]);
    assert.ok(fall > 120 + 30 && fall <= 120 + 30 + 5, `fell at frame ${fall}`);
    assert.equal(sub.out.filter((p) => p.now > 120 * FRAME_MS && p.now < switches[4]!.now).length, 0, 'nothing flowed in the gap');
    // back up once the top layer flows again
    assert.equal(frameOf(switches[5]), 204);
    assert.equal(s.keyframeRequests, 5, 'one per switch after the first (which starts on the periodic key frame)');
  });
}

test('a layer whose encoder ignores key frame requests is asked every 500 ms; the old layer keeps flowing', () => {
  const pub = publisher(15);
  pub.gop = 10000;
  const asked: number[] = [];
  const request = pub.requestKeyframe.bind(pub);
  pub.requestKeyframe = (layer) => {
    asked.push(layer);
    if (layer !== 2) request(layer); // layer 2's encoder never answers
  };
  const sub = new Subscriber(pub);
  const s = sub.selector;
  s.setTarget(0);
  const times: number[] = [];
  let before = 0;
  run(pub, sub, 62, (f) => {
    if (f === 2) {
      s.setTarget(2);
      before = sub.out.length;
    }
    if (s.keyframeRequests > times.length) times.push((f - 1) * FRAME_MS);
  });
  assert.deepEqual(asked, [2, 2, 2, 2], 'frames 2 to 61 (2 s): about every 500 ms');
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    assert.ok(gap >= 500 - 1e-6 && gap < 500 + FRAME_MS + 1e-6, `gap ${gap}`);
  }
  assert.equal(s.current, 0);
  assert.equal(s.switches, 1);
  assert.equal(sub.out.length - before, 60, 'layer 0 (one packet a frame) kept flowing');
  checkContinuity(sub.out);
});
