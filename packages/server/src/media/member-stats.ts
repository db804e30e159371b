/**
 * A member's media figures as operators see them (the admin API, the dashboard): what it sends
 * and receives now, the loss on its way in, and what the server makes of its downlink.
 * @module
 */
import type { Consumer } from './consumer.ts';
import { lossPercent } from './loss-meter.ts';
import type { Producer } from './producer.ts';

/** One member's media figures now. */
export interface MemberMediaStats {
  userId: string;
  /** What reaches the server from it: every active source, every simulcast layer (kbit/s, last second). */
  sendKbps: number;
  /** What the server forwards to it (kbit/s, last second). */
  receiveKbps: number;
  /** Packets of its active sources lost on the way to the server, over the last 5 s (%). */
  lossPercent: number;
  /**
   * What the server estimates its downlink carries (kbit/s, transport-wide congestion control);
   * null without a subscriber connection or while its client sends no feedback to measure with.
   */
  downlinkKbps: number | null;
  /** Whether its video is paused because its downlink carries no video layer (audio only). */
  videoPausedForBandwidth: boolean;
}

/** What the server makes of a member's downlink (from its subscriber connection's estimator). */
export interface DownlinkView {
  /** The estimate (bps), undefined when nothing is measured. */
  estimateBps: number | undefined;
  /** Video paused for bandwidth. */
  pausedForBandwidth: boolean;
}

const NO_DOWNLINK: DownlinkView = { estimateBps: undefined, pausedForBandwidth: false };

const kbps = (bps: number): number => Math.round(bps / 100) / 10;

/** The figures of one member from its producers, consumers and downlink at `nowMs` (performance.now()). */
export function memberMediaStats(userId: string, producers: Iterable<Producer>, consumers: Iterable<Consumer>, nowMs: number, downlink: DownlinkView = NO_DOWNLINK): MemberMediaStats {
  let sendBps = 0;
  let received = 0;
  let lost = 0;
  for (const p of producers) {
    if (!p.active) continue;
    for (const l of p.layers) sendBps += l.meter.bps(nowMs);
    const t = p.loss.totals(nowMs);
    received += t.received;
    lost += t.lost;
  }
  let receiveBps = 0;
  for (const c of consumers) receiveBps += c.meter.bps(nowMs);
  return {
    userId,
    sendKbps: kbps(sendBps),
    receiveKbps: kbps(receiveBps),
    lossPercent: lossPercent(received, lost),
    downlinkKbps: downlink.estimateBps === undefined ? null : kbps(downlink.estimateBps),
    videoPausedForBandwidth: downlink.pausedForBandwidth,
  };
}
