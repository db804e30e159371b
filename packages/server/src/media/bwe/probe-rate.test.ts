import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeRateMeter } from './probe-rate.ts';

/** Sends `n` packets of `size` bytes in cluster `id` at `sendBps`; they arrive at `recvBps` (Infinity: as sent). */
function burst(m: ProbeRateMeter, id: number, n: number, size: number, sendBps: number, recvBps: number): (number | undefined)[] {
  const sendGap = (size * 8000) / sendBps;
  const recvGap = Number.isFinite(recvBps) ? Math.max(sendGap, (size * 8000) / recvBps) : sendGap;
  for (let k = 0; k < n; k++) m.onSent(id, k * sendGap);
  return Array.from({ length: n }, (_, k) => m.onReceived(id, k * sendGap, 50_000 + k * recvGap, size));
}

test('a burst that got through as sent measures its send rate', () => {
  const m = new ProbeRateMeter();
  const out = burst(m, 0, 10, 1000, 2_000_000, Infinity);
  assert.deepEqual(out.slice(0, 7), Array(7).fill(undefined), 'waits for 80% of 10');
  assert.ok(Math.abs(out[7]! - 2_000_000) < 1, `${out[7]}`);
  assert.deepEqual(out.slice(8), [undefined, undefined], 'once per cluster');
  assert.equal(m.pending, 0);
});

test('a burst spread out by a bottleneck measures 95% of its receive rate', () => {
  const m = new ProbeRateMeter();
  const bps = burst(m, 3, 10, 1200, 3_000_000, 1_000_000).find((v) => v !== undefined)!;
  assert.ok(Math.abs(bps - 950_000) < 1, `${bps}`);
});

test('too few packets, unknown clusters and spans under 1 ms give nothing; old clusters expire', () => {
  const m = new ProbeRateMeter();
  assert.deepEqual(burst(m, 1, 3, 1000, 1_000_000, Infinity), [undefined, undefined, undefined]);
  assert.equal(m.onReceived(99, 0, 0, 1000), undefined);
  assert.deepEqual(burst(m, 2, 6, 100, 100_000_000, Infinity), Array(6).fill(undefined), '6 × 100 B at 100 Mbps span 0.04 ms');
  assert.equal(m.pending, 2);
  assert.equal(m.expire(1000), 0);
  assert.equal(m.expire(2001), 2);
  assert.equal(m.pending, 0);
});
