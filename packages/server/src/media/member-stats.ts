/**
 * A member's media figures as operators see them (the admin API, the dashboard): what it sends
 * and receives now, and the loss on its way in.
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
}

const kbps = (bps: number): number => Math.round(bps / 100) / 10;

/** The figures of one member from its producers and consumers at `nowMs` (performance.now()). */
export function memberMediaStats(userId: string, producers: Iterable<Producer>, consumers: Iterable<Consumer>, nowMs: number): MemberMediaStats {
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
  return { userId, sendKbps: kbps(sendBps), receiveKbps: kbps(receiveBps), lossPercent: lossPercent(received, lost) };
}
