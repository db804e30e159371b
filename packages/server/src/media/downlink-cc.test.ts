import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DownlinkCc, NO_FEEDBACK_AFTER_MS } from './downlink-cc.ts';

test('a leg whose subscriber sends no transport-wide feedback is not held to the initial estimate', () => {
  // negotiated, numbered, never answered (a client that does not send feedback)
  const silent = new DownlinkCc(1_000_000);
  assert.ok(silent.measuring(0), 'before anything is sent: the initial estimate');
  assert.equal(silent.estimateBps, 1_000_000);
  silent.next(1000, 0);
  assert.ok(silent.measuring(NO_FEEDBACK_AFTER_MS - 1), 'the first feedback may still come');
  assert.ok(!silent.measuring(NO_FEEDBACK_AFTER_MS), 'no feedback: nothing is measured');
  const probes: number[] = [];
  silent.runProbe(NO_FEEDBACK_AFTER_MS, (bytes) => (probes.push(bytes), bytes));
  assert.deepEqual(probes, [], 'no probe that nobody measures');

  // not negotiated: packets leave unnumbered
  const plain = new DownlinkCc(1_000_000);
  plain.sentUnnumbered();
  assert.ok(!plain.measuring(0));
  assert.equal(plain.estimateBps, 20_000_000, "the estimator's ceiling");

  // feedback makes the estimate count again, from then on
  const answered = new DownlinkCc(1_000_000);
  answered.next(1000, 0);
  answered.onFeedback({ senderSsrc: 1, mediaSsrc: 2, baseSeq: 0, statusCount: 1, referenceTime: 0, fbPktCount: 0, packets: [{ seq: 0, received: true, deltaUs: 1000 }] }, 10);
  assert.ok(answered.measuring(60_000));
  assert.ok(answered.estimateBps < 20_000_000);
});

test('a probe is paced at its own rate, however long its fewest packets take', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // a 250 kbps estimate starts with probes at 3× and 6× it: the first, 750 kbps, is at least
  // five ~1200-byte packets (6 KB), which take 64 ms at 750 kbps
  const cc = new DownlinkCc(250_000);
  cc.estimator.setDesiredBps(2_000_000);
  const at: number[] = [];
  let now = 0;
  cc.runProbe(0, (bytes) => (at.push(now), bytes));
  for (; now < 200; now++) t.mock.timers.tick(1);
  assert.equal(at.length, 5);
  const span = at[4]! - at[0]!;
  // the fifth step starts four fifths into the burst
  assert.ok(span >= 48 && span <= 54, `the five steps span ${span} ms`);
});
