// Churn, small: 500 signaling-only cycles (exit, clean close, dropped socket) from up to 300
// concurrent clients and 20 publisher+subscriber media cycles against a server process; after a
// settle, rooms, members, sessions, peers, producers and consumers are back to zero and open fds
// and live timers back to the warm-up baseline (exactly: after the settle the server holds only
// its listening socket, stdio pipes and the /healthz connection, as at the baseline).
// RSS is not asserted at this size (the full benchmark, `npm run bench -- churn`, does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { churn, verdict, type ChurnResult, type Snapshot } from '../../bench/lib/churn.ts';

test('500 signaling and 20 media join/leave cycles release everything', async () => {
  const r = await churn({ signaling: 500, media: 20, warmup: { signaling: 100, media: 4 }, settleMs: 1000, pin: false }, Infinity);
  console.log(`# baseline ${JSON.stringify(r.baseline)}`);
  console.log(`# after    ${JSON.stringify(r.after)}`);
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.after.counts, { rooms: 0, members: 0, sessions: 0, peers: 0, producers: 0, consumers: 0 });
  assert.ok(r.after.fds <= r.baseline.fds, `fds ${r.baseline.fds} → ${r.after.fds}`);
  // the probe reported, so timers were compared too
  assert.notEqual(r.after.intervals, undefined);
  assert.ok(r.after.intervals! <= r.baseline.intervals!, `intervals ${r.baseline.intervals} → ${r.after.intervals}`);
  assert.ok(r.after.timeouts! <= r.baseline.timeouts!, `timeouts ${r.baseline.timeouts} → ${r.after.timeouts}`);
  assert.equal(r.signaling.failed + r.media.failed, 0);
  assert.ok(r.media.packetsReceived >= 20 * 10, `media flowed: ${r.media.packetsReceived} packets`);
  assert.ok(r.signaling.modes.drop > 0 && r.signaling.modes.close > 0 && r.signaling.modes.exit > 0);
});

test('the verdict flags a leaked peer, a grown fd count or timer count, and RSS over its limit', () => {
  const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
    counts: { rooms: 0, members: 0, sessions: 0, peers: 0, producers: 0, consumers: 0 },
    rssBytes: 100,
    fds: 20,
    timeouts: 0,
    intervals: 4,
    handles: {},
    heapUsedBytes: 10,
    drainMs: 0,
    ...over,
  });
  const run = (after: Snapshot, rssGrowthPercent = 0): Omit<ChurnResult, 'failures'> => ({
    signaling: { cycles: 1, failed: 0, seconds: 1, modes: { exit: 1, close: 0, drop: 0 } },
    media: { cycles: 1, failed: 0, seconds: 1, dropped: 0, packetsReceived: 10, hallSlots: 2 },
    concurrency: 1,
    baseline: snap(),
    after,
    rssGrowthPercent,
  });
  assert.deepEqual(verdict(run(snap()), 5), []);
  assert.deepEqual(verdict(run(snap({ counts: { ...snap().counts, peers: 1 } })), 5), ['peers not back to zero: 1']);
  assert.deepEqual(verdict(run(snap({ fds: 21 })), 5), ['open fds grew: 20 → 21']);
  assert.deepEqual(verdict(run(snap({ intervals: 5 })), 5), ['live intervals grew: 4 → 5']);
  assert.deepEqual(verdict(run(snap(), 6), 5), ['RSS grew 6.0% (> 5%)']);
});
