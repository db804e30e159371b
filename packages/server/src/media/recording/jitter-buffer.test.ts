import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer } from './jitter-buffer.ts';

const seqs = (out: { seq: number }[]) => out.map((p) => p.seq & 0xffff);
const pay = Buffer.alloc(1);

test('reorders within the latency, across the 16-bit wrap', () => {
  const jb = new JitterBuffer({ latencyMs: 100, maxPackets: 100 });
  assert.deepEqual(seqs(jb.push(65534, 0, false, pay, 0)), [65534]);
  assert.deepEqual(seqs(jb.push(0, 0, false, pay, 1)), []);
  assert.deepEqual(seqs(jb.push(65535, 0, false, pay, 2)), [65535, 0]);
  assert.deepEqual(seqs(jb.push(1, 0, false, pay, 3)), [1]);
  // late and repeated packets are dropped
  assert.deepEqual(seqs(jb.push(65535, 0, false, pay, 4)), []);
  assert.equal(jb.late, 1);
});

test('a gap is skipped once overdue or when the buffer is full, and reported', () => {
  const jb = new JitterBuffer({ latencyMs: 100, maxPackets: 3 });
  jb.push(10, 0, false, pay, 0);
  assert.deepEqual(seqs(jb.push(12, 0, false, pay, 10)), []);
  const out = jb.push(13, 0, false, pay, 120);
  assert.deepEqual(seqs(out), [12, 13]);
  assert.equal(out[0]!.lostBefore, 1);
  assert.equal(out[1]!.lostBefore, 0);
  jb.push(15, 0, false, pay, 121);
  jb.push(16, 0, false, pay, 122);
  assert.deepEqual(seqs(jb.push(17, 0, false, pay, 123)), [15, 16, 17], 'full: skipped at once');
  assert.equal(jb.lost, 2);
  jb.push(19, 0, false, pay, 124);
  assert.deepEqual(seqs(jb.flush()), [19]);
});
