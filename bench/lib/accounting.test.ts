// The window accounting of the forwarding benchmarks: loss counted from what publishers sent, so a
// subscriber that receives nothing (or stops receiving) cannot hide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountWindow, EVERY_KIND, failureReason, tally, waitingSubscribers, type KindCounts } from './accounting.ts';
import { row, type WindowResult } from './measure.ts';

const c = (audio: number, video: number): KindCounts => ({ audio, video });

test('every subscriber received everything: no loss, all receiving', () => {
  const a = accountWindow([c(500, 600)], [c(500, 600), c(500, 600), c(500, 600)], () => EVERY_KIND);
  assert.equal(a.expected, 3300);
  assert.equal(a.received, 3300);
  assert.equal(a.lossPercent, 0);
  assert.equal(a.receiving, 3);
  assert.deepEqual(a.notReceiving, []);
});

test('a stalled subscriber counts as loss and as not receiving', () => {
  // fanout 1 → 4: one subscriber received nothing in the window
  const a = accountWindow([c(500, 600)], [c(500, 600), c(500, 600), c(0, 0), c(500, 600)], () => EVERY_KIND);
  assert.equal(a.expected, 4 * 1100);
  assert.equal(a.received, 3 * 1100);
  assert.equal(a.lossPercent, 25);
  assert.equal(a.receiving, 3);
  assert.equal(a.subscribers, 4);
  assert.deepEqual(a.notReceiving, [2]);
  assert.deepEqual(a.bySubscriber[2], { expected: 1100, received: 0 });
  assert.deepEqual(a.bySubscriber[0], { expected: 1100, received: 1100 });
});

test('the reported case: 124 of 200 subscribers receiving is ~38% loss, not 0%', () => {
  const received = Array.from({ length: 200 }, (_, i) => (i < 124 ? c(500, 479) : c(0, 0)));
  const a = accountWindow([c(500, 479)], received, () => EVERY_KIND);
  assert.equal(a.receiving, 124);
  assert.ok(Math.abs(a.lossPercent - 38) < 1e-9, `loss ${a.lossPercent}`);
  assert.match(failureReason({ receiving: a.receiving, subscribers: a.subscribers, waitingAfterWarmup: 0, warmupMs: 20_000 }) ?? '', /124\/200 subscribers received media in the window/);
});

test('a subscriber with audio but no video is not receiving, and its missing video is loss', () => {
  const a = accountWindow([c(500, 600)], [c(500, 600), c(500, 0)], () => EVERY_KIND);
  assert.deepEqual(a.notReceiving, [1]);
  assert.equal(a.expected, 2200);
  assert.equal(a.received, 1600);
});

test("one subscriber's surplus cannot hide another's loss", () => {
  const a = accountWindow([c(100, 100)], [c(150, 180), c(50, 20)], () => EVERY_KIND);
  assert.equal(a.received, 200 + 70);
  assert.equal(a.expected, 400);
  assert.ok(a.lossPercent > 30);
});

test('meeting: a subscriber expects only the publishers and kinds it subscribes to', () => {
  // 3 participants, each receiving the other two; participant 2 receives only audio from 0
  const receives = (sub: number, pub: number) => (sub === pub ? [] : sub === 2 && pub === 0 ? (['audio'] as const) : EVERY_KIND);
  const sent = [c(50, 60), c(40, 70), c(30, 0)];
  const received = [c(40 + 30, 70), c(50 + 30, 60), c(50 + 40, 70)];
  const a = accountWindow(sent, received, receives);
  assert.equal(a.expected, 70 + 70 + 80 + 60 + 90 + 70);
  assert.equal(a.lossPercent, 0);
  assert.equal(a.receiving, 3);
  // a publisher that sends no video requires none: participant 0 stops getting video from 1
  const b = accountWindow(sent, [c(70, 0), c(80, 60), c(90, 70)], receives);
  assert.deepEqual(b.notReceiving, [0]);
  assert.equal(b.expected - b.received, 70);
});

test('warm-up: subscribers still waiting for a kind their publishers have sent', () => {
  const receives = () => EVERY_KIND;
  // the publisher has sent no video yet: audio alone is enough
  assert.deepEqual(waitingSubscribers([c(20, 0)], [c(3, 0), c(0, 0)], receives), [1]);
  assert.deepEqual(waitingSubscribers([c(20, 9)], [c(3, 0), c(5, 9)], receives), [0]);
  assert.deepEqual(waitingSubscribers([c(20, 9)], [c(3, 3), c(5, 9)], receives), []);
});

test('failure reasons: warm-up and window', () => {
  assert.equal(failureReason({ receiving: 10, subscribers: 10, waitingAfterWarmup: 0, warmupMs: 20_000 }), undefined);
  assert.equal(failureReason({ receiving: 10, subscribers: 10, waitingAfterWarmup: 2, warmupMs: 20_000 }), '2/10 subscribers were not receiving media after the 20 s warm-up');
  assert.match(failureReason({ receiving: 7, subscribers: 10, waitingAfterWarmup: 3, warmupMs: 20_000 }) ?? '', /3\/10 .* warm-up; only 7\/10 .* window/);
});

test('a failed level shows loss and receiving but no throughput in its row', () => {
  const w: WindowResult = {
    seconds: 10, publishedPps: 97.9, forwardedPps: 12_152, cpuPercent: 30, cpuUsPerPacket: 25, lossPercent: 38, expectedPackets: 195_800,
    receivedPackets: 121_396, seqLossPercent: 0, receiving: 124, subscribers: 200, failed: 'only 124/200 subscribers received media in the window',
    drainMs: { before: 400, after: 20 }, delayP50: 5, delayP99: 15, delayKernelStampedPercent: 100, handledDelayP99: 20, rssMb: 300, worstSubscriberLossPercent: 100, subscribersOver1Percent: 76,
    generator: { cpuPercent: 50, cores: '1', coreIdlePercent: 40, coreBusyPercent: { 0: 80, 1: 60 }, loopDelayP99Ms: 20, loopDelayMaxMs: 30 },
  };
  const r = row('rtcroom', 200, w);
  assert.equal(r['receiving'], '124/200');
  assert.equal(r['loss %'], 38);
  assert.equal(r['fwd pkt/s'], '—');
  assert.equal(r['CPU µs/pkt'], '—');
  assert.match(String(r['status']), /^FAILED: only 124\/200/);
  const ok = row('rtcroom', 200, { ...w, failed: undefined, receiving: 200, lossPercent: 0 });
  assert.equal(ok['fwd pkt/s'], 12_152);
  assert.equal(ok['status'], 'ok');
});

test('tally: client connection states of the subscribers not receiving, most frequent first', () => {
  assert.equal(tally(['connected', 'failed (ICE connected, DTLS failed)', 'failed (ICE connected, DTLS failed)']), '2 × failed (ICE connected, DTLS failed), 1 × connected');
  assert.equal(tally([]), '');
});
