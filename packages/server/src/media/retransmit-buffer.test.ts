import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RETRANSMIT_SLOTS, RetransmitBuffer } from './retransmit-buffer.ts';

test('keeps the last packets by sequence number, across the 16-bit wrap, until overwritten or cleared', () => {
  const b = new RetransmitBuffer();
  assert.equal(b.slot(5), -1, 'nothing kept yet');
  const payloads = new Map<number, Buffer>();
  for (let n = 0; n < RETRANSMIT_SLOTS + 10; n++) {
    const seq = (65530 + n) & 0xffff;
    const p = Buffer.from([n & 0xff]);
    payloads.set(seq, p);
    b.put(seq, 0xfffffff0 + n, n % 2 === 0, p, n === 3 ? 42 : -1, -1);
  }
  // the first 10 were overwritten by the last 10
  assert.equal(b.slot(65530), -1);
  const seq = (65530 + 13) & 0xffff; // n = 13, after the wrap
  const i = b.slot(seq);
  assert.ok(i >= 0);
  assert.equal(b.payload(i), payloads.get(seq));
  assert.equal(b.ts(i), (0xfffffff0 + 13) >>> 0);
  assert.equal(b.marker(i), false);
  assert.equal(b.resentAt(i), -Infinity);
  b.markResent(i, 123);
  assert.equal(b.resentAt(i), 123);
  const j = b.slot((65530 + 12) & 0xffff);
  assert.equal(b.marker(j), true);
  // a later packet in the same slot starts afresh
  b.put(seq, 7, true, Buffer.alloc(1), 9, 8);
  assert.deepEqual([b.ts(i), b.marker(i), b.patchA(i), b.patchB(i), b.resentAt(i)], [7, true, 9, 8, -Infinity]);
  b.clear();
  assert.equal(b.slot(seq), -1);
});
