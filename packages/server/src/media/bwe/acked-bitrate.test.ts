import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckedBitrate } from './acked-bitrate.ts';

/** Feeds `sizeBytes` packets every `gapMs` over [fromMs, toMs). */
function feed(a: AckedBitrate, fromMs: number, toMs: number, gapMs: number, sizeBytes = 1200): void {
  for (let t = fromMs; t < toMs; t += gapMs) a.onReceived(t, sizeBytes);
}

const near = (actual: number | undefined, want: number, tol: number) => {
  assert.ok(actual !== undefined && Math.abs(actual - want) <= tol * want, `${actual} vs ${want}`);
};

test('no rate until arrivals span 100 ms', () => {
  const a = new AckedBitrate();
  assert.equal(a.bps, undefined);
  feed(a, 0, 100, 10);
  assert.equal(a.bps, undefined, 'span 90 ms');
  a.onReceived(100, 1200);
  assert.ok(a.bps !== undefined);
});

test('a steady stream measures its rate', () => {
  const a = new AckedBitrate();
  feed(a, 1e6, 1e6 + 3000, 10); // 1200 B every 10 ms = 960 kbps
  near(a.bps, 960_000, 0.01);
});

test('the window slides: a rate change shows fully after 500 ms', () => {
  const a = new AckedBitrate();
  feed(a, 0, 2000, 10);
  feed(a, 2000, 2250, 40);
  const mid = a.bps!;
  assert.ok(mid > 300_000 && mid < 900_000, `halfway ${mid}`);
  feed(a, 2250, 3000, 40);
  near(a.bps, 240_000, 0.05); // 12 or 13 packets fall in the window
});

test('after a gap longer than the window the measurement starts over', () => {
  const a = new AckedBitrate();
  feed(a, 0, 1000, 10);
  a.onReceived(5000, 1200);
  assert.equal(a.bps, undefined, 'one packet after the gap is no rate');
  feed(a, 5010, 6000, 10);
  near(a.bps, 960_000, 0.01);
});

test('late arrivals within the window count; older ones and non-finite times are ignored', () => {
  const a = new AckedBitrate();
  feed(a, 0, 1000, 20); // 480 kbps
  const before = a.bps!;
  a.onReceived(400, 1200); // older than the window (500..990 ms)
  a.onReceived(NaN, 1200);
  assert.equal(a.bps, before);
  a.onReceived(900, 6000); // reordered but within the window
  near(a.bps, before + (6000 * 8000) / 500, 0.001);
});

test('reset forgets, bad options are rejected', () => {
  const a = new AckedBitrate();
  feed(a, 0, 1000, 10);
  a.reset();
  assert.equal(a.bps, undefined);
  assert.throws(() => new AckedBitrate({ windowMs: 0 }), RangeError);
  assert.throws(() => new AckedBitrate({ windowMs: 100, minSpanMs: 200 }), RangeError);
  assert.throws(() => new AckedBitrate({ capacity: 1 }), RangeError);
});

test('a window of many arrivals counts them all (the ring grows past its first 64 slots)', () => {
  const a = new AckedBitrate({ windowMs: 500 });
  // 4 Mbps: 125 bytes every 0.25 ms, 4,000 arrivals over 1 s
  for (let i = 0; i < 4000; i++) a.onReceived(i * 0.25, 125);
  assert.ok(Math.abs(a.bps! - 4_000_000) / 4_000_000 < 0.01, `${a.bps}`);
});
