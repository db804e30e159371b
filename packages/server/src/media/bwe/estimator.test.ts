import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BandwidthEstimator } from './estimator.ts';
import { simulate, type Sample, type Scenario } from './test-link.ts';
import type { TwccFeedback } from '../interceptors/twcc-feedback.ts';

const between = (samples: Sample[], fromMs: number, toMs = Infinity) => samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs);
const firstTime = (samples: Sample[], pred: (s: Sample) => boolean) => samples.find(pred)?.tMs;
const estimateAt = (samples: Sample[], tMs: number) => samples.find((s) => s.tMs === tMs)!.estimateBps;
const kbps = (bps: number) => `${Math.round(bps / 1000)}k`;

/** 300 kbps bottleneck with an 800 ms drop-tail queue; the application offers 1.5 Mbps. */
const bottleneck: Omit<Scenario, 'durationMs'> = { offeredBps: 1_500_000, link: { capacityBps: 300_000, queueBytes: 30_000 } };

function assertBottleneck(samples: Sample[], what: string): void {
  const below = firstTime(samples, (s) => s.estimateBps < 400_000);
  assert.ok(below !== undefined && below <= 3000, `${what}: under 400k at ${below} ms`);
  for (const s of between(samples, 3000)) {
    assert.ok(s.estimateBps >= 200_000 && s.estimateBps <= 400_000, `${what}: ${kbps(s.estimateBps)} at ${s.tMs} ms`);
  }
}

test('300 kbps bottleneck, 1.5 Mbps offered: under 400k within 3 s, then within 200–400k with a short queue', () => {
  const { samples, link } = simulate({ ...bottleneck, durationMs: 30_000 });
  assertBottleneck(samples, 'plain');
  const late = between(samples, 10_000);
  const meanQueue = late.reduce((a, s) => a + s.queueMs, 0) / late.length;
  assert.ok(meanQueue < 100, `mean queue ${meanQueue} ms`);
  const mean = late.reduce((a, s) => a + s.estimateBps, 0) / late.length;
  assert.ok(mean > 250_000 && mean < 320_000, `mean ${kbps(mean)}`);
  assert.ok(link.stats.queueDrops < 0.1 * link.stats.sent, 'drops only while the start overshoot drains');
});

test('the same holds without probes, with a shallow 160 ms queue and with a bufferbloated 2.7 s one', () => {
  assertBottleneck(simulate({ ...bottleneck, durationMs: 20_000, sendProbes: false }).samples, 'no probes');
  // the start overshoot overflows this queue: the losses it reports after the delay-based cut
  // belong to the same episode and must not cut again
  const shallow = simulate({ ...bottleneck, durationMs: 20_000, link: { capacityBps: 300_000, queueBytes: 6_000 } });
  assert.ok(shallow.link.stats.queueDrops > 20);
  assertBottleneck(shallow.samples, 'shallow queue');
  assertBottleneck(simulate({ ...bottleneck, durationMs: 20_000, link: { capacityBps: 300_000, queueBytes: 100_000 } }).samples, 'deep queue');
});

test('an open link that narrows to 300 kbps (a 200 ms queue): under 300k within 400 ms, whether feedback comes every 50 or 100 ms', () => {
  for (const feedbackIntervalMs of [50, 100]) {
    const narrowed = simulate({
      offeredBps: 1_000_000,
      durationMs: 8000,
      sampleMs: 10,
      link: { queueBytes: 7500, feedbackIntervalMs },
      onTick: (t, link) => {
        if (t === 5000) link.capacityBps = 300_000;
      },
    });
    assert.ok(estimateAt(narrowed.samples, 5000) > 1_000_000, 'open before');
    // the trendline alone took 530–580 ms here: the queue building is seen first (queue-buildup.ts)
    const under = firstTime(between(narrowed.samples, 5000), (s) => s.estimateBps < 300_000);
    assert.ok(under !== undefined && under - 5000 <= 400, `every ${feedbackIntervalMs} ms: under 300k ${under === undefined ? 'never' : `${under - 5000} ms`} after`);
    for (const x of between(narrowed.samples, 6000)) assert.ok(x.estimateBps >= 200_000, `${kbps(x.estimateBps)} at ${x.tMs} ms`);
  }
});

test('no bottleneck: from 300 kbps past 1.5 Mbps within 4 s with probes; AIMD alone grows 8% a second', () => {
  const probed = simulate({ durationMs: 10_000, offeredBps: 3_000_000, config: { initialBps: 300_000 } });
  const at = firstTime(probed.samples, (s) => s.estimateBps > 1_500_000);
  // probes double the estimate at most per step (a token bucket's burst must not read as capacity)
  assert.ok(at !== undefined && at <= 4000, `probed past 1.5M at ${at} ms`);
  assert.ok(estimateAt(probed.samples, 10_000) >= 3_000_000, 'reaches the offered rate');
  assert.ok(between(probed.samples, 0).every((s) => s.state !== 'overusing'));

  const plain = simulate({ durationMs: 25_000, offeredBps: 3_000_000, config: { initialBps: 300_000 }, sendProbes: false });
  const at10 = estimateAt(plain.samples, 10_000);
  assert.ok(at10 > 300_000 * 1.08 ** 10 * 0.85 && at10 < 300_000 * 1.08 ** 10 * 1.05, `AIMD at 10 s: ${kbps(at10)}`);
  const past = firstTime(plain.samples, (s) => s.estimateBps > 1_500_000);
  assert.ok(past !== undefined && past <= 25_000, `AIMD past 1.5M at ${past} ms`);
  assert.equal(plain.probesSent, 0);
});

test('20% random loss drives the estimate down; no loss keeps it up', () => {
  const lossy = simulate({ durationMs: 10_000, offeredBps: 1_500_000, link: { lossRate: 0.2 } });
  const clean = simulate({ durationMs: 10_000, offeredBps: 1_500_000, link: { lossRate: 0 } });
  assert.ok(estimateAt(lossy.samples, 10_000) < 300_000, `lossy at 10 s: ${kbps(estimateAt(lossy.samples, 10_000))}`);
  assert.ok(estimateAt(clean.samples, 10_000) > 1_500_000, `clean at 10 s: ${kbps(estimateAt(clean.samples, 10_000))}`);
  const late = between(lossy.samples, 2000);
  const meanLoss = late.reduce((a, s) => a + s.lossRate, 0) / late.length;
  assert.ok(meanLoss > 0.15 && meanLoss < 0.25, `reported loss ${meanLoss}`);
  // decreasing: each second's estimate is no higher than two seconds before
  for (let t = 3000; t <= 10_000; t += 1000) assert.ok(estimateAt(lossy.samples, t) <= estimateAt(lossy.samples, t - 2000));
});

test('recovers when a 300 kbps cap is lifted: by probing within 10 s, by AIMD alone steadily', () => {
  const lift = (t: number, link: { capacityBps: number }) => {
    if (t === 10_000) link.capacityBps = Infinity;
  };
  const probed = simulate({ ...bottleneck, offeredBps: 2_000_000, durationMs: 25_000, onTick: lift });
  assert.ok(estimateAt(probed.samples, 10_000) < 400_000);
  const back = firstTime(between(probed.samples, 10_000), (s) => s.estimateBps >= 1_500_000);
  assert.ok(back !== undefined && back <= 20_000, `probed back over 1.5M at ${back} ms`);

  const plain = simulate({ ...bottleneck, offeredBps: 2_000_000, durationMs: 30_000, onTick: lift, sendProbes: false });
  const at30 = estimateAt(plain.samples, 30_000);
  assert.ok(at30 > 2 * estimateAt(plain.samples, 10_000), `AIMD alone at 30 s: ${kbps(at30)}`);
});

test('a capacity drop from unlimited to 500 kbps is followed within 2 s', () => {
  const { samples } = simulate({
    durationMs: 20_000,
    offeredBps: 3_000_000,
    link: { queueBytes: 60_000 },
    onTick: (t, link) => {
      if (t === 10_000) link.capacityBps = 500_000;
    },
  });
  assert.ok(estimateAt(samples, 10_000) > 2_000_000);
  const under = firstTime(between(samples, 10_000), (s) => s.estimateBps < 650_000);
  assert.ok(under !== undefined && under <= 12_000, `under 650k at ${under} ms`);
  for (const s of between(samples, 13_000)) assert.ok(s.estimateBps > 350_000 && s.estimateBps < 650_000, `${kbps(s.estimateBps)} at ${s.tMs}`);
});

test('transport-wide sequence numbers wrapping at 16 bits change nothing', () => {
  const a = simulate({ ...bottleneck, durationMs: 10_000 });
  const b = simulate({ ...bottleneck, durationMs: 10_000, startSeq: 65_400 });
  assert.ok(b.link.stats.sent > 200, 'wrapped within the run');
  assert.deepEqual(b.samples, a.samples);
});

test('reordered and duplicated feedback does not break it', () => {
  /** Swaps each pair of feedback packets and repeats every third one. */
  const shuffle = () => {
    let held: TwccFeedback | undefined;
    let n = 0;
    return (batch: TwccFeedback[]) => {
      const out: TwccFeedback[] = [];
      for (const fb of batch) {
        n++;
        if (n % 2 === 1) {
          held = fb;
          continue;
        }
        out.push(fb);
        if (held) out.push(held);
        held = undefined;
        if (n % 3 === 0) out.push(fb, fb);
      }
      return out;
    };
  };
  const congested = simulate({ ...bottleneck, durationMs: 20_000, mangle: shuffle() });
  assertBottleneck(congested.samples, 'shuffled');
  const open = simulate({ durationMs: 12_000, offeredBps: 3_000_000, config: { initialBps: 300_000 }, mangle: shuffle() });
  assert.ok(estimateAt(open.samples, 12_000) >= 3_000_000, `open path: ${kbps(estimateAt(open.samples, 12_000))}`);
  for (const s of [...congested.samples, ...open.samples]) assert.ok(Number.isFinite(s.estimateBps) && Number.isFinite(s.lossRate));
});

test('100 ms feedback interval and 30 ms jitter: still within bounds, no false overuse on an open path', () => {
  assertBottleneck(simulate({ ...bottleneck, durationMs: 20_000, link: { capacityBps: 300_000, queueBytes: 30_000, feedbackIntervalMs: 100, jitterMs: 30 } }).samples, 'jittery');
  const open = simulate({ durationMs: 10_000, offeredBps: 5_000_000, config: { initialBps: 300_000 }, link: { jitterMs: 30 }, sendProbes: false });
  assert.ok(open.samples.every((s) => s.state !== 'overusing'));
  assert.ok(estimateAt(open.samples, 10_000) > 550_000);
});

test('the estimate stays within the configured bounds', () => {
  const capped = simulate({ durationMs: 10_000, offeredBps: 3_000_000, config: { maxBps: 800_000 } });
  assert.ok(capped.samples.every((s) => s.estimateBps <= 800_000));
  assert.equal(estimateAt(capped.samples, 10_000), 800_000);
  const floored = simulate({ durationMs: 10_000, offeredBps: 1_000_000, config: { minBps: 100_000 }, link: { lossRate: 0.5 } });
  assert.ok(floored.samples.every((s) => s.estimateBps >= 100_000));
  assert.equal(estimateAt(floored.samples, 10_000), 100_000);
});

test('API: defaults, feedback for unknown packets, probe tagging, bad config', () => {
  const e = new BandwidthEstimator();
  assert.equal(e.estimateBps, 1_000_000);
  assert.equal(e.state, 'normal');
  assert.equal(e.lossRate, 0);
  assert.equal(e.ackedBps, undefined);
  assert.equal(e.rttMs, undefined);
  assert.equal(e.isProbing, false);
  const fb: TwccFeedback = { senderSsrc: 1, mediaSsrc: 2, baseSeq: 0, statusCount: 1, referenceTime: 0, fbPktCount: 0, packets: [{ seq: 0, received: true, deltaUs: 0 }] };
  assert.equal(e.onFeedback(fb, 0), 1_000_000, 'nothing sent: nothing changes');
  const probe = e.pollProbe(0)!;
  assert.deepEqual([probe.bitrateBps, probe.durationMs], [3_000_000, 15]);
  e.onPacketSent(0, 1200, 0, probe.id);
  assert.equal(e.isProbing, true);
  assert.equal(new BandwidthEstimator({ probing: false }).pollProbe(0), undefined);
  assert.equal(new BandwidthEstimator({ initialBps: 50_000_000 }).estimateBps, 10_000_000);
  assert.throws(() => new BandwidthEstimator({ minBps: 0 }), RangeError);
  assert.throws(() => new BandwidthEstimator({ minBps: 2_000_000, maxBps: 1_000_000 }), RangeError);
});
