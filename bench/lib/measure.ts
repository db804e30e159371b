// The steady-window measurement shared by the forwarding scenarios.
import { percentile } from '../report.ts';
import type { PublisherClient, SubscriberClient, Target } from './target.ts';

/** Figures of one steady window. */
export interface WindowResult {
  seconds: number;
  /** Packets the publishers sent per second. */
  publishedPps: number;
  /** Packets the subscribers received per second (what the SFU forwarded and arrived). */
  forwardedPps: number;
  /** Server CPU share of one core, %. */
  cpuPercent: number;
  /** Server CPU µs per forwarded packet. */
  cpuUsPerPacket: number;
  /** 1 − received / expected, %. */
  lossPercent: number;
  /** Forwarding delay percentiles (ms) from the stamps in the payloads. */
  delayP50: number;
  delayP99: number;
  rssMb: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Waits until every subscriber receives video (at most `warmupMs`), then measures `seconds`.
 * `expectedPerPacket(p)` is how many subscribers should receive each packet of publisher `p`.
 */
export async function measureWindow(
  target: Target,
  pubs: readonly PublisherClient[],
  subs: readonly SubscriberClient[],
  seconds: number,
  expectedPerPacket: (p: PublisherClient) => number,
  warmupMs = 20_000,
  hooks: { onStart?(): void; onEnd?(): void } = {},
): Promise<WindowResult> {
  const deadline = Date.now() + warmupMs;
  while (subs.some((s) => s.packets.video === 0 && s.packets.audio === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  const recv = () => sum(subs.map((s) => s.packets.audio + s.packets.video));
  const seqs = () => subs.map((s) => s.sequence.totals());
  const sent = () => pubs.map((p) => p.sent.audio + p.sent.video);
  for (const s of subs) s.delays.length = 0;
  // received counts are read a little after sent counts, so packets in flight at either edge of
  // the window are counted on the right side
  const lag = () => new Promise((r) => setTimeout(r, 150));
  const s0 = sent();
  await lag();
  hooks.onStart?.();
  const cpu0 = target.cpuSeconds();
  const r0 = recv();
  const q0 = seqs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000 - 150));
  const s1 = sent();
  await lag();
  const dt = (performance.now() - t0) / 1000;
  const cpu = target.cpuSeconds() - cpu0;
  hooks.onEnd?.();
  const received = recv() - r0;
  // loss by sequence numbers: what the streams' numbering says was sent in the window vs what came
  const q1 = seqs();
  const seqExpected = sum(q1.map((q, i) => q.expected - q0[i]!.expected));
  const seqReceived = sum(q1.map((q, i) => q.received - q0[i]!.received));
  const published = sum(s1.map((v, i) => v - s0[i]!));
  const expected = sum(pubs.map((p, i) => (s1[i]! - s0[i]!) * expectedPerPacket(p)));
  const delays = subs.flatMap((s) => s.delays);
  return {
    seconds: dt,
    publishedPps: published / dt,
    forwardedPps: received / dt,
    cpuPercent: (cpu / dt) * 100,
    cpuUsPerPacket: received > 0 ? (cpu / received) * 1e6 : NaN,
    lossPercent: seqExpected > 0 ? Math.max(0, (1 - seqReceived / seqExpected) * 100) : expected > 0 ? Math.max(0, (1 - received / expected) * 100) : 0,
    delayP50: percentile(delays, 50),
    delayP99: percentile(delays, 99),
    rssMb: target.rssBytes() / 1e6,
  };
}

/** A table row from a window result. */
export function row(target: string, n: number, w: WindowResult, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    target,
    N: n,
    ...extra,
    'pub pkt/s': w.publishedPps,
    'fwd pkt/s': w.forwardedPps,
    'CPU %': w.cpuPercent,
    'CPU µs/pkt': w.cpuUsPerPacket,
    'loss %': w.lossPercent,
    'delay p50 ms': w.delayP50,
    'delay p99 ms': w.delayP99,
    'RSS MB': w.rssMb,
  };
}
