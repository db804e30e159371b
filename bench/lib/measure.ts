// The steady-window measurement shared by the forwarding scenarios (fanout, meeting, audio-room).
import { percentile } from '../report.ts';
import { accountWindow, failureReason, tally, waitingSubscribers, type KindCounts, type Receives } from './accounting.ts';
import type { PublisherClient, SubscriberClient, Target } from './target.ts';
import { measureGenerator, type GeneratorLoad } from './generator-load.ts';
import { listenerLossPercent, streamsReceived } from './rtp-tally.ts';

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
  /**
   * 1 − received / expected, %, where expected is what each publisher sent in the window × the
   * subscribers that should receive it: a subscriber that receives nothing counts as 100% loss.
   */
  lossPercent: number;
  /** Packets the subscribers should have received in the window, and did. */
  expectedPackets: number;
  receivedPackets: number;
  /**
   * Loss by each subscriber's own RTP sequence numbers (what the streams it received say was sent):
   * blind to a subscriber that receives nothing or stops receiving; kept as a second figure.
   */
  seqLossPercent: number;
  /**
   * Per subscriber, the worse of its sequence-number loss and its publisher-based loss
   * ({@link listenerLossPercent}: one that received nothing is 100%): the worst subscriber's, %.
   */
  worstSubscriberLossPercent: number;
  /** Subscribers whose own loss (as above) was 1% or more. */
  subscribersOver1Percent: number;
  /** Fewest and most streams (SSRCs) a subscriber received in the window, where the clients count per SSRC. */
  streamsPerSubscriber?: { min: number; max: number };
  /** The load generator's own load over the sending part of the window. */
  generator: GeneratorLoad;
  /** Subscribers that received media of every kind they subscribe to in the window. */
  receiving: number;
  subscribers: number;
  /** Set when the figures are not valid (not every subscriber received media); says why. */
  failed?: string;
  /** How long the receivers took to drain before and after the window (ms; at most 5,000 each). */
  drainMs: { before: number; after: number };
  /**
   * Forwarding delay percentiles (ms) from the stamps in the payloads to each datagram's arrival
   * at the client (the kernel's receive time where the clients read it: `delayClock`).
   */
  delayP50: number;
  delayP99: number;
  /**
   * The share of delay samples that end at the kernel's receive time (bench/lib/arrival-stamps.ts);
   * the others end when the client handled the packet (no native module, no stamp yet).
   */
  delayKernelStampedPercent: number;
  /**
   * The p99 to when the client's event loop handled each packet: the figure before kernel stamps,
   * the harness' own stalls included.
   */
  handledDelayP99: number;
  rssMb: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counts = (c: KindCounts): KindCounts => ({ audio: c.audio, video: c.video });
const minus = (a: KindCounts, b: KindCounts): KindCounts => ({ audio: a.audio - b.audio, video: a.video - b.video });

/**
 * Waits (at most `maxMs`) until `complete()` or until no subscriber counted a packet for `quietMs`
 * and 8 polls in a row: nothing is in flight. Counting polls as well as time keeps a stall of this
 * process (its timers run before the I/O queued meanwhile) from passing for quiet.
 */
async function drained(subs: readonly SubscriberClient[], complete: () => boolean = () => false, quietMs = 400, maxMs = 5000): Promise<number> {
  const t0 = performance.now();
  const total = () => sum(subs.map((s) => s.packets.audio + s.packets.video));
  const deadline = performance.now() + maxMs;
  let last = total();
  let since = performance.now();
  let polls = 0;
  while (performance.now() < deadline && !complete()) {
    await sleep(25);
    const now = total();
    if (now !== last) {
      last = now;
      since = performance.now();
      polls = 0;
    } else if (++polls >= 8 && performance.now() - since >= quietMs) break;
  }
  return performance.now() - t0;
}

/** Hooks and the settling time of {@link measureWindow}. */
export interface WindowOptions {
  /** Called as the window starts (after the quiet edge). */
  onStart?(): void;
  /** Called as the window ends. */
  onEnd?(): void;
  /**
   * How long media flows between every subscriber receiving and the window (ms, default 1,000).
   * A JIT-compiled server (rtcroom on V8) optimizes its functions on a background thread as they
   * get hot, and at a publisher's ~110 packets/s the per-second paths (reports, lane checks)
   * take many seconds to: those compiles (~12 ms each) belong to a room's first minute, not to
   * the steady state a long-running server forwards in. `npm run bench -- fanout` and friends
   * settle 10 s by default (`--settle`), for every target alike.
   */
  settleMs?: number;
}

/**
 * Waits until every subscriber receives media (at most `warmupMs`), lets it flow
 * `opts.settleMs`, then measures a `seconds` window. `receives(s, p)` says which kinds of
 * publisher `p` subscriber `s` should receive.
 *
 * The window has quiet edges: the publishers pause and the receivers drain before it starts and
 * after it ends, so every packet sent in the window is either received in it or lost, and the
 * publisher-based loss needs no time alignment. CPU is read over the sending part only.
 */
export async function measureWindow(
  target: Target,
  pubs: readonly PublisherClient[],
  subs: readonly SubscriberClient[],
  seconds: number,
  receives: Receives,
  warmupMs = 20_000,
  hooks: WindowOptions = {},
): Promise<WindowResult> {
  const sent = () => pubs.map((p) => counts(p.sent));
  const recv = () => subs.map((s) => counts(s.packets));
  // until every publisher has sent and every subscriber received what it should (a publisher that
  // sent nothing yet would make every subscriber look served)
  const waiting = () => (pubs.some((p) => p.sent.audio + p.sent.video === 0) ? subs.length : waitingSubscribers(sent(), recv(), receives).length);
  const deadline = Date.now() + warmupMs;
  while (waiting() > 0 && Date.now() < deadline) await sleep(200);
  const waitingAfterWarmup = waiting();
  await sleep(hooks.settleMs ?? 1000);
  const pause = (on: boolean) => pubs.forEach((p) => p.pause(on));
  pause(true);
  const drainBefore = await drained(subs);
  for (const s of subs) s.delays.clear();
  const s0 = sent();
  const r0 = recv();
  const q0 = subs.map((s) => s.sequence.totals());
  const ssrc0 = subs.map((s) => s.sequence.receivedBySsrc?.());
  const cpu0 = target.cpuSeconds();
  const t0 = performance.now();
  const generatorLoad = measureGenerator();
  pause(false);
  hooks.onStart?.();
  await sleep(seconds * 1000);
  pause(true);
  const generator = generatorLoad();
  hooks.onEnd?.();
  const dt = (performance.now() - t0) / 1000;
  const cpu = target.cpuSeconds() - cpu0;
  const s1 = sent();
  const inWindow = (r: readonly KindCounts[]) => accountWindow(s1.map((c, i) => minus(c, s0[i]!)), r.map((c, i) => minus(c, r0[i]!)), receives);
  // done as soon as everything sent arrived; else once nothing more arrives
  const drainAfter = await drained(subs, () => {
    const a = inWindow(recv());
    return a.received === a.expected;
  });
  const r1 = recv();
  const q1 = subs.map((s) => s.sequence.totals());
  pause(false);
  const acc = inWindow(r1);
  const received = sum(r1.map((c, i) => c.audio + c.video - r0[i]!.audio - r0[i]!.video));
  const published = sum(s1.map((c, i) => c.audio + c.video - s0[i]!.audio - s0[i]!.video));
  const seqExpected = sum(q1.map((q, i) => q.expected - q0[i]!.expected));
  const seqReceived = sum(q1.map((q, i) => q.received - q0[i]!.received));
  const delays = subs.flatMap((s) => s.delays.delays);
  const handled = subs.flatMap((s) => s.delays.handledDelays);
  const stamped = sum(subs.map((s) => s.delays.kernelStamped));
  const own = acc.bySubscriber.map((bySenders, i) => listenerLossPercent({ received: q1[i]!.received - q0[i]!.received, expected: q1[i]!.expected - q0[i]!.expected }, bySenders));
  const streams = subs.flatMap((s, i) => {
    const before = ssrc0[i];
    const after = s.sequence.receivedBySsrc?.();
    return before && after ? [streamsReceived(before, after)] : [];
  });
  const reason = failureReason({ receiving: acc.receiving, subscribers: acc.subscribers, waitingAfterWarmup, warmupMs });
  // whether the generator's side gave up (a client connection failed) or the SFU sent nothing
  const failed = reason && acc.notReceiving.length ? `${reason} (client side of those: ${tally(acc.notReceiving.map((i) => subs[i]!.connection()))})` : reason;
  return {
    seconds: dt,
    publishedPps: published / dt,
    forwardedPps: received / dt,
    cpuPercent: (cpu / dt) * 100,
    cpuUsPerPacket: received > 0 ? (cpu / received) * 1e6 : NaN,
    lossPercent: acc.lossPercent,
    expectedPackets: acc.expected,
    receivedPackets: acc.received,
    seqLossPercent: seqExpected > 0 ? Math.max(0, (1 - seqReceived / seqExpected) * 100) : 0,
    worstSubscriberLossPercent: own.length ? Math.max(...own) : 0,
    subscribersOver1Percent: own.filter((l) => l >= 1).length,
    ...(streams.length ? { streamsPerSubscriber: { min: Math.min(...streams), max: Math.max(...streams) } } : {}),
    generator,
    receiving: acc.receiving,
    subscribers: acc.subscribers,
    ...(failed ? { failed } : {}),
    drainMs: { before: drainBefore, after: drainAfter },
    delayP50: percentile(delays, 50),
    delayP99: percentile(delays, 99),
    delayKernelStampedPercent: delays.length ? (stamped / delays.length) * 100 : 0,
    handledDelayP99: percentile(handled, 99),
    rssMb: target.rssBytes() / 1e6,
  };
}

/** Shown instead of a figure that a failed level does not validly measure. */
export const INVALID = '—';

/**
 * A table row from a window result. A failed level keeps its loss and receiving count (they show
 * the failure) and its status says why; its throughput, CPU and delay figures are not reported.
 */
export function row(target: string, n: number, w: WindowResult, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const valid = (v: number): number | string => (w.failed ? INVALID : v);
  return {
    target,
    N: n,
    ...extra,
    receiving: `${w.receiving}/${w.subscribers}`,
    'pub pkt/s': w.publishedPps,
    'fwd pkt/s': valid(w.forwardedPps),
    'CPU %': valid(w.cpuPercent),
    'CPU µs/pkt': valid(w.cpuUsPerPacket),
    'loss %': w.lossPercent,
    'seq loss %': w.seqLossPercent,
    'delay p50 ms': valid(w.delayP50),
    'delay p99 ms': valid(w.delayP99),
    'handled p99 ms': valid(w.handledDelayP99),
    'RSS MB': w.rssMb,
    status: w.failed ? `FAILED: ${w.failed}` : w.delayKernelStampedPercent < 99 ? `ok (delays: ${w.delayKernelStampedPercent.toFixed(0)}% to kernel stamps, the rest to handling)` : 'ok',
  };
}

/** A table row for a level that could not be measured at all (`error` says why). */
export function errorRow(target: string, n: number, error: unknown, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const reason = error instanceof Error ? error.message : String(error);
  return { target, N: n, ...extra, receiving: INVALID, 'pub pkt/s': INVALID, 'fwd pkt/s': INVALID, 'CPU %': INVALID, 'CPU µs/pkt': INVALID, 'loss %': INVALID, 'seq loss %': INVALID, 'delay p50 ms': INVALID, 'delay p99 ms': INVALID, 'handled p99 ms': INVALID, 'RSS MB': INVALID, status: `FAILED: ${reason.split('\n')[0]!.slice(0, 200)}` };
}
