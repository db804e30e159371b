import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTAGE_MS, TwccFeedbackGenerator, decodeTwccFeedback, encodeTwccFeedback, type TwccFeedback } from './twcc-feedback.ts';

const REF_WRAP_MS = 2 ** 24 * 64;

/** A generator on a fake clock that collects decoded feedback. */
function harness(opts: { maxStatusesPerPacket?: number } = {}) {
  const sent: Buffer[] = [];
  const clock = { ms: 1000 };
  const gen = new TwccFeedbackGenerator({ senderSsrc: 0x01020304, mediaSsrc: 0xaabbccdd, send: (b) => sent.push(b), now: () => clock.ms, ...opts });
  const take = (): TwccFeedback[] => sent.splice(0).map(decodeTwccFeedback);
  return { gen, clock, sent, take };
}

/** Absolute arrival times (ms) a feedback packet reports, by sequence number. */
function times(fb: TwccFeedback): Map<number, number> {
  const out = new Map<number, number>();
  let us = fb.referenceTime * 64_000;
  for (const p of fb.packets) {
    if (!p.received) continue;
    us += p.deltaUs!;
    out.set(p.seq, us / 1000);
  }
  return out;
}

const lost = (fb: TwccFeedback): number[] => fb.packets.filter((p) => !p.received).map((p) => p.seq);

test('hand-computed packet: two-bit vector, 1- and 2-byte deltas, zero padding', () => {
  // seq 100 at 1000 ms, 101 lost, 102 at 1000.5 ms, 103 at 1000.25 ms.
  // reference time = floor(1000 / 64) = 15 (960 ms) → 00 00 0f
  // deltas: 100: 40 ms = 160 ticks (0xa0, 1 byte, symbol 1); 102: +0.5 ms = 2 ticks (0x02, symbol 1);
  //         103: -0.25 ms = -1 tick (0xffff, 2 bytes, symbol 2)
  // symbols 1 0 1 2: no run ≥ 7, a 2 present → two-bit vector:
  //   T=1 S=1 | 01 00 01 10 00 00 00 = 1101 0001 1000 0000 = 0xd180
  // size 20 + 2 + 4 = 26 → padded with 2 zero bytes to 28, P=0, length = 28/4 - 1 = 6
  const { gen, sent } = harness();
  gen.onPacket(100, 1000);
  gen.onPacket(102, 1000.5);
  gen.onPacket(103, 1000.25);
  gen.flush();
  const expected = Buffer.from('8fcd0006' + '01020304' + 'aabbccdd' + '00640004' + '00000f00' + 'd180' + 'a002ffff' + '0000', 'hex');
  assert.deepEqual(sent, [expected]);
  const fb = decodeTwccFeedback(sent[0]!);
  assert.deepEqual(fb, {
    senderSsrc: 0x01020304,
    mediaSsrc: 0xaabbccdd,
    baseSeq: 100,
    statusCount: 4,
    referenceTime: 15,
    fbPktCount: 0,
    packets: [
      { seq: 100, received: true, deltaUs: 40_000 },
      { seq: 101, received: false },
      { seq: 102, received: true, deltaUs: 500 },
      { seq: 103, received: true, deltaUs: -250 },
    ],
  });
  assert.deepEqual(encodeTwccFeedback(fb), expected);
});

test('run-length and one-bit vector chunks', () => {
  const fb = (packets: TwccFeedback['packets']): TwccFeedback => ({ senderSsrc: 1, mediaSsrc: 2, baseSeq: 0, statusCount: packets.length, referenceTime: 0, fbPktCount: 0, packets });
  // 20 received, 1 tick each: run-length chunk T=0 S=01 run=20 → 0 01 0000000010100 = 0x2014
  const run = fb(Array.from({ length: 20 }, (_, seq) => ({ seq, received: true, deltaUs: 250 })));
  let buf = encodeTwccFeedback(run);
  assert.equal(buf.readUInt16BE(20), 0x2014);
  assert.equal(buf.length, 44); // 20 + 2 + 20 deltas = 42 → 44
  assert.deepEqual(decodeTwccFeedback(buf), run);
  // 14 alternating received/lost: one-bit vector T=1 S=0 10101010101010 → 0xaaaa
  const alt = fb(Array.from({ length: 14 }, (_, seq) => (seq % 2 ? { seq, received: false } : { seq, received: true, deltaUs: 1000 })));
  buf = encodeTwccFeedback(alt);
  assert.equal(buf.readUInt16BE(20), 0xaaaa);
  assert.equal(buf.length, 32); // 20 + 2 + 7 = 29 → 32
  assert.deepEqual(decodeTwccFeedback(buf), alt);
  // received, 1000 lost, received: one-bit vector (1 + 13 lost), run of 987 lost (0x03db), run of 1 received (0x2001)
  const gap = fb([{ seq: 0, received: true, deltaUs: 0 }, ...Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, received: false })), { seq: 1001, received: true, deltaUs: 0 }]);
  buf = encodeTwccFeedback(gap);
  assert.deepEqual([buf.readUInt16BE(20), buf.readUInt16BE(22), buf.readUInt16BE(24)], [0xa000, 0x03db, 0x2001]);
  assert.equal(buf.length, 28);
  assert.deepEqual(decodeTwccFeedback(buf), gap);
  // a run of 7 large deltas, then mixed: run chunk 0x4007, then a two-bit vector
  const big = fb([...Array.from({ length: 7 }, (_, seq) => ({ seq, received: true, deltaUs: 100_000 })), { seq: 7, received: true, deltaUs: 0 }]);
  buf = encodeTwccFeedback(big);
  assert.deepEqual([buf.readUInt16BE(20), buf.readUInt16BE(22)], [0x4007, 0x2001]);
  assert.deepEqual(decodeTwccFeedback(buf), big);
});

test('encoder rejects inconsistent input; decoder rejects malformed packets, accepts P padding', () => {
  const ok: TwccFeedback = { senderSsrc: 1, mediaSsrc: 2, baseSeq: 65535, statusCount: 2, referenceTime: -1, fbPktCount: 255, packets: [{ seq: 65535, received: true, deltaUs: 250 }, { seq: 0, received: false }] };
  const buf = encodeTwccFeedback(ok);
  assert.deepEqual(decodeTwccFeedback(buf), ok);
  assert.equal(buf.readUIntBE(16, 3), 0xffffff);
  assert.throws(() => encodeTwccFeedback({ ...ok, statusCount: 3 }), RangeError);
  assert.throws(() => encodeTwccFeedback({ ...ok, packets: [{ seq: 65535, received: true, deltaUs: 100 }, { seq: 0, received: false }] }), /bad delta/);
  assert.throws(() => encodeTwccFeedback({ ...ok, packets: [{ seq: 65535, received: true, deltaUs: 250 * 40000 }, { seq: 0, received: false }] }), /bad delta/);
  assert.throws(() => encodeTwccFeedback({ ...ok, packets: [{ seq: 1, received: false }, { seq: 0, received: false }] }), /expected 65535/);
  const bad = (mut: (b: Buffer) => Buffer, re: RegExp) => assert.throws(() => decodeTwccFeedback(mut(Buffer.from(buf))), re);
  bad((b) => b.subarray(0, 3), /shorter than an RTCP header/);
  bad((b) => ((b[0] = 0x4f), b), /version 1/);
  bad((b) => ((b[1] = 206), b), /PT=206/);
  bad((b) => b.subarray(0, 20), /length field/);
  bad((b) => (b.writeUInt16BE(0, 14), b), /status count is 0/);
  bad((b) => (b.writeUInt16BE(40, 14), b), /receive deltas truncated/);
  bad((b) => (b.writeUInt16BE(0x6002, 20), b), /reserved status symbol/);
  bad((b) => (b.writeUInt16BE(300, 14), b), /chunks truncated/); // 14 + 256 statuses, then no more bytes
  bad((b) => (b.writeUInt16BE(3, 2), b.subarray(0, 16)), /too short for the feedback header/);
  // the same packet with P=1: the last byte counts the padding
  const padded = Buffer.from(buf);
  padded[0] = padded[0]! | 0x20; // 24 bytes: 20 header, chunk 0xa000, delta 0x01, 1 byte of padding
  padded[padded.length - 1] = 1;
  assert.deepEqual(decodeTwccFeedback(padded), ok);
  padded[padded.length - 1] = 0;
  assert.throws(() => decodeTwccFeedback(padded), /padding/);
});

test('losses, 65535→0 wrap, reordering and duplicates', () => {
  const { gen, take } = harness();
  gen.onPacket(65533, 1000);
  gen.onPacket(65535, 1001); // 65534 lost
  gen.onPacket(1, 1002); // wraps; 0 not yet arrived
  gen.onPacket(0, 1003); // reordered
  gen.onPacket(1, 1010); // duplicate: first arrival counts
  gen.onPacket(3, 1004); // 2 lost
  gen.flush();
  const [fb, ...rest] = take();
  assert.equal(rest.length, 0);
  assert.equal(fb!.baseSeq, 65533);
  assert.deepEqual(fb!.packets.map((p) => p.seq), [65533, 65534, 65535, 0, 1, 2, 3]);
  assert.deepEqual(lost(fb!), [65534, 2]);
  assert.deepEqual([...times(fb!)], [[65533, 1000], [65535, 1001], [0, 1003], [1, 1002], [3, 1004]]);
  assert.equal(fb!.packets[4]!.deltaUs, -1000); // 1 arrived before 0: negative → 2-byte delta
  // late arrival of reported numbers is ignored; nothing new → nothing sent
  gen.onPacket(2, 1020);
  gen.onPacket(65534, 1021);
  gen.flush();
  assert.equal(take().length, 0);
  gen.onPacket(5, 1030);
  gen.flush();
  const [next] = take();
  assert.equal(next!.baseSeq, 4); // continues from the first unreported number
  assert.deepEqual(lost(next!), [4]);
  assert.equal(next!.fbPktCount, 1);
});

test('first feedback starts at the earliest packet received, even if reordered', () => {
  const { gen, take } = harness();
  gen.onPacket(10, 1000);
  gen.onPacket(8, 1001);
  gen.flush();
  const [fb] = take();
  assert.equal(fb!.baseSeq, 8);
  assert.deepEqual(lost(fb!), [9]);
});

test('large deltas use 2 bytes; deltas beyond 16 bits start a new feedback packet', () => {
  const { gen, take } = harness();
  gen.onPacket(1, 1000);
  gen.onPacket(2, 1100); // +100 ms = 400 ticks
  gen.onPacket(3, 1100 + 9000); // +9 s > 8.19 s: new packet
  gen.onPacket(4, 1100 + 9000 + 1);
  gen.flush();
  const fbs = take();
  assert.equal(fbs.length, 2);
  assert.deepEqual(fbs[0]!.packets.map((p) => p.deltaUs), [40_000, 100_000]);
  assert.equal(fbs[0]!.referenceTime, 15);
  assert.deepEqual([fbs[1]!.baseSeq, fbs[1]!.referenceTime], [3, Math.floor(10100 / 64)]);
  assert.deepEqual([...times(fbs[1]!)], [[3, 10100], [4, 10101]]);
  assert.deepEqual(fbs.map((f) => f.fbPktCount), [0, 1]);
});

test('reference time is the absolute clock in 64 ms units, wrapped to 24 bits', () => {
  const { gen, take } = harness();
  gen.onPacket(0, REF_WRAP_MS + 130); // floor(130 / 64) = 2 after the wrap
  gen.flush();
  gen.onPacket(1, REF_WRAP_MS / 2); // 0x800000 on the wire, negative when sign-extended
  gen.flush();
  const [a, b] = take();
  assert.equal(a!.referenceTime, 2);
  assert.equal(a!.packets[0]!.deltaUs, 2000);
  assert.equal(b!.referenceTime, -(2 ** 23));
});

test('splits into several packets above maxStatusesPerPacket; fbPktCount wraps at 256', () => {
  const { gen, clock, take } = harness({ maxStatusesPerPacket: 10 });
  for (let s = 0; s < 25; s++) if (s !== 12) gen.onPacket(s, 1000 + s);
  gen.flush();
  const fbs = take();
  assert.deepEqual(fbs.map((f) => [f.baseSeq, f.statusCount]), [[0, 10], [10, 10], [20, 5]]);
  assert.deepEqual(lost(fbs[1]!), [12]);
  assert.deepEqual([...times(fbs[2]!)], [20, 21, 22, 23, 24].map((s) => [s, 1000 + s]));
  const counts = fbs.map((f) => f.fbPktCount);
  for (let i = 0; i < 300; i++) {
    clock.ms += 5;
    gen.onPacket(25 + i);
    gen.flush();
    counts.push(...take().map((f) => f.fbPktCount));
  }
  assert.deepEqual(counts, Array.from({ length: 303 }, (_, i) => i % 256));
});

test('a loss gap longer than a packet yields a loss-only packet with a consistent reference time', () => {
  const { gen, take } = harness({ maxStatusesPerPacket: 10 });
  gen.onPacket(0, 1000);
  gen.onPacket(30, 1200);
  gen.flush();
  const fbs = take();
  assert.deepEqual(fbs.map((f) => [f.baseSeq, f.statusCount, f.referenceTime]), [[0, 10, 15], [10, 10, 15], [20, 10, 15], [30, 1, 18]]);
  assert.deepEqual([...times(fbs[3]!)], [[30, 1200]]);
});

test('memory is bounded: more than 4096 unreported numbers advance the base', () => {
  const { gen, take } = harness({ maxStatusesPerPacket: 65535 });
  gen.onPacket(0, 1000);
  gen.onPacket(5000, 1001);
  gen.flush();
  const [fb] = take();
  assert.equal(fb!.baseSeq, 5000 - 4095);
  assert.equal(fb!.statusCount, 4096);
  assert.equal(fb!.packets.filter((p) => p.received).length, 1);
});

test('timer flushes periodically and stops', async () => {
  const sent: Buffer[] = [];
  const gen = new TwccFeedbackGenerator({ senderSsrc: 1, mediaSsrc: 2, send: (b) => sent.push(b), intervalMs: 10 });
  gen.start();
  gen.start(); // idempotent
  gen.onPacket(7);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 1);
  gen.stop();
  gen.onPacket(8);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sent.length, 1);
  const fb = decodeTwccFeedback(sent[0]!);
  assert.deepEqual([fb.senderSsrc, fb.mediaSsrc, fb.baseSeq], [1, 2, 7]);
});

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: 1000 random patterns reproduce every arrival within 125 µs and every loss', () => {
  const rnd = prng(12345);
  const int = (n: number) => Math.floor(rnd() * n);
  for (let run = 0; run < 1000; run++) {
    const sent: Buffer[] = [];
    const maxStatuses = 1 + int(run % 3 ? 500 : 30);
    const gen = new TwccFeedbackGenerator({ senderSsrc: 9, mediaSsrc: 7, send: (b) => sent.push(b), maxStatusesPerPacket: maxStatuses });
    const start = int(65536); // unwrapped sequence numbers start..start+n-1 (wire: & 0xffff)
    const n = 1 + int(400);
    const lossP = rnd() * 0.3;
    // delivery order: sequence order with local swaps (reordering), some packets lost, some duplicated
    const order: number[] = [];
    for (let u = start; u < start + n; u++) {
      if (rnd() < lossP) u += rnd() < 0.05 ? int(200) : 0; // occasional long loss burst
      else order.push(u);
    }
    for (let i = 0; i + 1 < order.length; i++) if (rnd() < 0.15) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
    for (let i = 0; i < order.length; i++) if (rnd() < 0.03) order.splice(i + 1 + int(5), 0, order[i]!);
    let t = run % 10 ? rnd() * 1e7 : REF_WRAP_MS - 200 + rnd() * 100; // some cross the 24-bit reference wrap
    const arrival = new Map<number, number>(); // first arrival of packets delivered before being reported
    const reported = new Map<number, { received: boolean; ms?: number }>();
    let firstBase: number | undefined; // unwrapped base of the first feedback
    let next: number | undefined; // next unwrapped number expected in feedback
    let count = -1;
    // numbers sent during an outage (nothing arrived for OUTAGE_MS, then a gap): never reported
    const skipped: [number, number][] = [];
    const inOutage = (u: number) => skipped.some(([a, b]) => u >= a && u <= b);
    let lastT = -Infinity;
    let maxU = -Infinity;
    const collect = () => {
      for (const fb of sent.splice(0).map(decodeTwccFeedback)) {
        assert.equal(fb.fbPktCount, (count + 1) & 0xff);
        count = fb.fbPktCount;
        assert.equal(fb.senderSsrc, 9);
        assert.equal(fb.mediaSsrc, 7);
        assert.ok(fb.statusCount <= maxStatuses);
        if (next === undefined) firstBase = next = start + ((fb.baseSeq - start) & 0xffff);
        const outage = skipped.find(([a]) => a === next);
        if (outage && fb.baseSeq !== (next & 0xffff)) next = outage[1] + 1;
        assert.equal(fb.baseSeq, next & 0xffff, 'feedback packets are contiguous but for outages');
        const ts = times(fb);
        for (const p of fb.packets) reported.set(next++, { received: p.received, ms: ts.get(p.seq) });
      }
    };
    for (const u of order) {
      t += rnd() < 0.01 ? 9000 : rnd() < 0.1 ? rnd() * 100 : rnd() * 3;
      const outage = t - lastT >= OUTAGE_MS && u > maxU + 1 && maxU > -Infinity;
      if (outage) skipped.push([maxU + 1, u - 1]);
      lastT = Math.max(lastT, t);
      maxU = Math.max(maxU, u);
      if (!reported.has(u) && !arrival.has(u)) arrival.set(u, t);
      gen.onPacket(u & 0xffff, t);
      // the generator reported everything before the outage: a straggler of it arriving now is too late
      if (outage) collect();
      if (rnd() < 0.05) (gen.flush(), collect());
    }
    gen.flush();
    collect();
    for (const [u, ms] of arrival) {
      const r = reported.get(u);
      if (u < firstBase! || inOutage(u)) {
        assert.equal(r, undefined); // arrived after the first feedback, which started later, or late from an outage
        continue;
      }
      assert.ok(r?.received, `run ${run}: seq ${u} not reported as received`);
      const err = ((((r.ms! - ms) % REF_WRAP_MS) + REF_WRAP_MS * 1.5) % REF_WRAP_MS) - REF_WRAP_MS / 2;
      assert.ok(Math.abs(err) <= 0.125 + 1e-9, `run ${run}: seq ${u} arrival off by ${err} ms`);
    }
    for (const [u, r] of reported) if (!arrival.has(u)) assert.equal(r.received, false, `run ${run}: seq ${u} should be lost`);
    if (order.length) assert.equal(next, Math.max(...order) + 1, `run ${run}: feedback ends at the highest received`);
  }
});

test('an outage (nothing for a second, numbers skipped) is not reported as loss; a slow sender with no gap is', () => {
  const { gen, take } = harness();
  for (let i = 0; i < 10; i++) gen.onPacket(i, 1000 + i * 20);
  gen.flush();
  assert.deepEqual(take().map((f) => [f.baseSeq, f.statusCount, lost(f).length]), [[0, 10, 0]]);
  // a 3 s cut: 150 packets sent into it never arrived; the first after it is 160
  gen.onPacket(10, 1200);
  gen.onPacket(160, 4300);
  gen.onPacket(162, 4340);
  gen.flush();
  const fbs = take();
  assert.deepEqual(fbs.map((f) => [f.baseSeq, f.statusCount, lost(f)]), [[10, 1, []], [160, 3, [161]]], 'the loss after the outage is still reported');
  assert.deepEqual([...times(fbs[1]!)], [[160, 4300], [162, 4340]]);
  // a long pause without a gap in the numbers (a static screen share) is nothing special
  gen.onPacket(163, 9000);
  gen.flush();
  assert.deepEqual(take().map((f) => [f.baseSeq, f.statusCount, lost(f).length]), [[163, 1, 0]]);
  // a short silence with a gap is ordinary loss, reported
  gen.onPacket(170, 9500);
  gen.flush();
  assert.deepEqual(take().map((f) => [f.baseSeq, lost(f).length]), [[164, 6]]);
});
