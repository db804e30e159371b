import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqTsRewriter, seqDiff } from './rewriter.ts';

const out = (r: SeqTsRewriter) => [r.seq, r.timestamp];

test('a single source passes through unchanged', () => {
  const r = new SeqTsRewriter();
  r.rewrite(1, 100, 5000, 0, 90000);
  assert.deepEqual(out(r), [100, 5000]);
  r.rewrite(1, 101, 8000, 33, 90000);
  assert.deepEqual(out(r), [101, 8000]);
});

test('a new SSRC continues the sequence and advances the timestamp by the wall-clock gap', () => {
  const r = new SeqTsRewriter();
  r.rewrite(1, 65535, 4294967000, 0, 90000);
  r.rewrite(2, 7, 123, 1000, 90000); // re-publish one second later with new ssrc/seq/ts
  assert.deepEqual(out(r), [0, (4294967000 + 90000) % 2 ** 32]);
  r.rewrite(2, 8, 3123, 1033, 90000);
  assert.deepEqual(out(r), [1, (4294967000 + 90000 + 3000) % 2 ** 32]);
});

test('switchSource forces a re-base even with the same SSRC; reordered packets keep their place', () => {
  const r = new SeqTsRewriter();
  r.rewrite(1, 10, 1000, 0, 48000);
  r.rewrite(1, 12, 1960, 40, 48000);
  r.rewrite(1, 11, 1480, 41, 48000); // late packet
  assert.deepEqual(out(r), [11, 1480]);
  r.switchSource();
  r.rewrite(1, 500, 99999, 1040, 48000);
  assert.equal(r.seq, 13);
  assert.equal(r.timestamp, 1960 + 48000);
});

test('seqDiff wraps', () => {
  assert.equal(seqDiff(65535, 0), 1);
  assert.equal(seqDiff(0, 65535), -1);
  assert.equal(seqDiff(10, 20), 10);
});
