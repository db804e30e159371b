import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendHistory, type PacketResult } from './send-history.ts';
import { TwccFeedbackGenerator, decodeTwccFeedback, type TwccFeedback, type TwccPacketStatus } from '../interceptors/twcc-feedback.ts';

/** A feedback object as the decoder would return it. */
function feedback(baseSeq: number, referenceTime: number, packets: Omit<TwccPacketStatus, 'seq'>[], fbPktCount = 0): TwccFeedback {
  return {
    senderSsrc: 1,
    mediaSsrc: 2,
    baseSeq,
    statusCount: packets.length,
    referenceTime,
    fbPktCount,
    packets: packets.map((p, i) => ({ seq: (baseSeq + i) & 0xffff, ...p })),
  };
}

const rx = (deltaUs: number) => ({ received: true, deltaUs });
const lost = { received: false };
const brief = (r: PacketResult[]) => r.map((p) => [p.seq, p.sendTimeMs, p.received ? p.arrivalTimeMs : 'lost', p.sizeBytes]);

test('joins feedback with the sends: send time, size, arrival = reference time + running deltas', () => {
  const h = new SendHistory();
  h.onPacketSent(100, 1200, 10);
  h.onPacketSent(101, 800, 15);
  h.onPacketSent(102, 500, 20);
  h.onPacketSent(103, 1000, 25);
  // reference 2 × 64 ms = 128 ms; deltas +5 ms, (lost), +7.5 ms, -0.25 ms
  const out = h.onFeedback(feedback(100, 2, [rx(5000), lost, rx(7500), rx(-250)]));
  assert.deepEqual(brief(out), [
    [100, 10, 133, 1200],
    [101, 15, 'lost', 800],
    [102, 20, 140.5, 500],
    [103, 25, 140.25, 1000],
  ]);
  assert.ok(Number.isNaN(out[1]!.arrivalTimeMs));
  assert.deepEqual(out.map((p) => p.probeCluster), [-1, -1, -1, -1]);
});

test('duplicates yield nothing new; a packet reported lost then received comes back once as recovered', () => {
  const h = new SendHistory();
  for (let s = 0; s < 3; s++) h.onPacketSent(s, 100, s);
  const fb = feedback(0, 0, [rx(1000), lost, rx(1000)]);
  assert.equal(h.onFeedback(fb).length, 3);
  assert.deepEqual(h.onFeedback(fb), []);
  const late = h.onFeedback(feedback(1, 0, [rx(4000)]));
  assert.equal(late.length, 1);
  assert.equal(late[0]!.seq, 1);
  assert.equal(late[0]!.recovered, true);
  assert.equal(late[0]!.arrivalTimeMs, 4);
  assert.deepEqual(h.onFeedback(feedback(1, 0, [lost])), [], 'received stays received');
});

test('sequence numbers wrap at 16 bits, in sends and in feedback', () => {
  const h = new SendHistory();
  const seqs = [65533, 65534, 65535, 0, 1, 2];
  seqs.forEach((s, i) => h.onPacketSent(s, 1000 + i, 100 + i));
  const out = h.onFeedback(feedback(65534, 10, [rx(0), rx(1000), rx(1000), lost]));
  assert.deepEqual(brief(out), [
    [65534, 101, 640, 1001],
    [65535, 102, 641, 1002],
    [0, 103, 642, 1003],
    [1, 104, 'lost', 1004],
  ]);
  // Far past the first wrap: 70 000 more sends still resolve.
  for (let k = 0; k < 70_000; k++) h.onPacketSent((3 + k) & 0xffff, 50, 200 + k * 0.01);
  const last = (2 + 70_000) & 0xffff;
  const tail = h.onFeedback(feedback(last, 20, [rx(0)]));
  assert.deepEqual(brief(tail), [[last, 200 + 69_999 * 0.01, 1280, 50]]);
});

test('feedback arriving out of order is joined by sequence number, each in seq order', () => {
  const h = new SendHistory();
  for (let s = 0; s < 6; s++) h.onPacketSent(s, 100, s * 10);
  const second = h.onFeedback(feedback(3, 1, [rx(1000), rx(10_000), rx(10_000)], 1));
  const first = h.onFeedback(feedback(0, 1, [rx(0), rx(10_000), rx(10_000)], 0));
  assert.deepEqual(second.map((p) => [p.seq, p.arrivalTimeMs]), [[3, 65], [4, 75], [5, 85]]);
  assert.deepEqual(first.map((p) => [p.seq, p.arrivalTimeMs]), [[0, 64], [1, 74], [2, 84]]);
});

test('statuses for packets never sent, overwritten in the ring, or too old are skipped', () => {
  const h = new SendHistory({ capacity: 16, maxAgeMs: 1000 });
  assert.equal(h.capacity, 16);
  assert.deepEqual(h.onFeedback(feedback(0, 0, [rx(0)])), [], 'nothing sent yet');
  for (let s = 0; s < 40; s++) h.onPacketSent(s, 100, s);
  assert.deepEqual(h.onFeedback(feedback(0, 0, [rx(0), rx(0)])), [], 'slots reused by seq 32, 33');
  assert.deepEqual(h.onFeedback(feedback(39, 0, [rx(0), rx(0), rx(0)])).map((p) => p.seq), [39], 'seq 40, 41 never sent');
  h.onPacketSent(40, 100, 1030); // newest send now 1030 ms: seq 24..29 (sent at 24..29 ms) are older than 1 s
  assert.deepEqual(h.onFeedback(feedback(28, 0, [rx(0), rx(0), rx(0)])).map((p) => p.seq), [30]);
  assert.equal(h.sendTimeOf(31), 31);
  assert.equal(h.sendTimeOf(29), undefined);
  assert.equal(h.sendTimeOf(41), undefined);
});

test('reference time is unwrapped across its 24-bit wrap', () => {
  const h = new SendHistory();
  h.onPacketSent(0, 100, 0);
  h.onPacketSent(1, 100, 64);
  // The decoder sign-extends: 0x7fffff → 8388607, then 0x800000 → -8388608 (one tick later).
  const a = h.onFeedback(feedback(0, 0x7fffff, [rx(0)]));
  const b = h.onFeedback(feedback(1, -0x800000, [rx(0)]));
  assert.equal(b[0]!.arrivalTimeMs - a[0]!.arrivalTimeMs, 64);
});

test('round trip through the real feedback generator and decoder keeps arrival spacing to 0.25 ms', () => {
  const h = new SendHistory();
  const wire: Buffer[] = [];
  const gen = new TwccFeedbackGenerator({ senderSsrc: 1, mediaSsrc: 2, send: (b) => wire.push(b), now: () => 0 });
  const arrivals = new Map<number, number>();
  for (let k = 0; k < 50; k++) {
    const seq = (65_520 + k) & 0xffff;
    h.onPacketSent(seq, 1200, k * 3);
    if (k % 7 === 3) continue; // lost
    const at = 5_000_000.3 + k * 3.1 + (k % 4) * 0.9;
    arrivals.set(seq, at);
    gen.onPacket(seq, at);
  }
  gen.flush();
  const out = wire.map(decodeTwccFeedback).flatMap((fb) => h.onFeedback(fb));
  assert.equal(out.length, 50);
  assert.equal(out.filter((p) => !p.received).length, 7);
  const first = out[0]!;
  for (const p of out) {
    if (!p.received) continue;
    const want = arrivals.get(p.seq)! - arrivals.get(first.seq)!;
    assert.ok(Math.abs(p.arrivalTimeMs - first.arrivalTimeMs - want) <= 0.25, `seq ${p.seq}`);
  }
});

test('invalid sends are ignored and bad options rejected', () => {
  const h = new SendHistory();
  h.onPacketSent(-1, 100, 0);
  h.onPacketSent(65536, 100, 0);
  h.onPacketSent(5, 100, NaN);
  assert.deepEqual(h.onFeedback(feedback(5, 0, [rx(0)])), []);
  assert.throws(() => new SendHistory({ capacity: 4 }), RangeError);
  assert.throws(() => new SendHistory({ maxAgeMs: 0 }), RangeError);
  assert.equal(new SendHistory({ capacity: 100 }).capacity, 128);
});

test('the ring starts small, stays small while feedback keeps up, and grows for packets still awaiting it', () => {
  const acked = new SendHistory({ initialCapacity: 64 });
  // 100 packets per second for 20 s, every 10 packets acknowledged
  for (let n = 0; n < 2000; n++) {
    acked.onPacketSent(n & 0xffff, 1000, n * 10);
    if (n % 10 === 9) assert.equal(acked.onFeedback(feedback((n - 9) & 0xffff, 0, Array.from({ length: 10 }, () => rx(10_000)))).length, 10);
  }
  assert.equal(acked.capacity, 64);

  // no feedback for 1,000 packets sent within the maximum age: none of them is forgotten
  const waiting = new SendHistory({ initialCapacity: 64, maxAgeMs: 10_000 });
  for (let n = 0; n < 1000; n++) waiting.onPacketSent(n, 1000 + n, n * 5);
  assert.equal(waiting.capacity, 1024);
  const late = waiting.onFeedback(feedback(0, 0, Array.from({ length: 1000 }, () => rx(1000))));
  assert.deepEqual(late.map((p) => p.sizeBytes), Array.from({ length: 1000 }, (_, n) => 1000 + n));

  // packets older than the maximum age are let go instead of growing the ring
  const old = new SendHistory({ initialCapacity: 64, maxAgeMs: 100 });
  for (let n = 0; n < 1000; n++) old.onPacketSent(n, 1000, n * 5);
  assert.equal(old.capacity, 64);
  // and the ring never outgrows its capacity
  const capped = new SendHistory({ initialCapacity: 64, capacity: 256 });
  for (let n = 0; n < 1000; n++) capped.onPacketSent(n, 1000, n);
  assert.equal(capped.capacity, 256);
});
