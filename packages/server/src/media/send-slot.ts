/**
 * A send slot: a sendonly transceiver of a subscriber connection, reused by the consumers that
 * take turns on it, with the rewriting that keeps what the subscriber sees one stream, its own
 * send path, its NACK answers and its sender reports.
 * @module
 */
import type { RTCRtpTransceiver } from 'werift';
import type { Consumer } from './consumer.ts';
import { SeqTsRewriter } from './rewriter.ts';
import { FastRtpSender, type TransportSequencer } from './fast-sender.ts';
import type { NativeAddon } from './native/addon.ts';
import { mediaCounts } from './metrics.ts';
import { Vp8Continuity } from './simulcast/vp8-continuity.ts';

/** How often an audio slot sends a sender report once it sent its first (ms; mediasoup's audio maximum). */
export const AUDIO_REPORT_EVERY_MS = 5000;

/** A sendonly transceiver of a subscriber connection, reused across consumers. */
export class SendSlot {
  readonly transceiver: RTCRtpTransceiver;
  readonly kind: 'audio' | 'video';
  /** Keeps what the subscriber sees continuous across consumers. */
  readonly rewriter = new SeqTsRewriter();
  /** Keeps VP8 picture ids continuous across consumers and simulcast layers. */
  readonly vp8 = new Vp8Continuity();
  /** Who uses the slot now. */
  consumer: Consumer | undefined;
  /** `userId/source` that used it last, to give it back to the same stream. */
  lastKey: string | undefined;
  /** Our own send path for this transceiver's SSRC. */
  readonly fast: FastRtpSender;
  /** What the last sender report described, and when an audio slot's next one is due. */
  #reported: Consumer | undefined;
  #reportedOffset = 0;
  #nextReportAt = 0;

  /**
   * @param testLossPercent fault injection for tests (see {@link FastRtpSender})
   * @param cc the connection's transport-wide sequence numbers
   * @param native the native module, on the native send path
   */
  constructor(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video', testLossPercent = 0, cc?: TransportSequencer, native?: NativeAddon) {
    this.transceiver = transceiver;
    this.kind = kind;
    this.fast = new FastRtpSender(transceiver.sender, testLossPercent, cc, native);
    // werift parses the subscriber's NACKs (unless they are taken below it: werift-rtcp-receive.ts);
    // its own cache is empty (we bypass it), ours answers
    transceiver.sender.onGenericNack.subscribe((nack) => this.nacked(nack.lost));
  }

  /** The subscriber lost these packets of the slot's stream: they are sent again where kept. */
  nacked(lost: readonly number[]): void {
    mediaCounts.nacks += lost.length;
    // what the express lane sent is in the lane's history, not the sender's
    this.consumer?.recall(lost);
    this.fast.retransmit(lost);
  }

  /**
   * Sends a sender report for what the slot carries, when one is due (none for paused audio: it
   * sends nothing). Called every second: video reports each time; audio after its first report
   * only every {@link AUDIO_REPORT_EVERY_MS}, or at once when the stream it carries or its
   * timestamp offset changed (a receiver's lip-sync needs the new mapping). A listener of an
   * audio room thus costs a fifth of the reports.
   */
  report(nowMs = performance.now()): void {
    const c = this.consumer;
    if (!c || (this.kind === 'audio' && c.targetLayer < 0)) return;
    // the express lane counted what it sent: the report needs those counts
    c.syncExpress(nowMs);
    const offset = this.rewriter.tsOffset;
    if (this.kind === 'audio' && c === this.#reported && offset === this.#reportedOffset && nowMs < this.#nextReportAt) return;
    if (!this.fast.sendReport({ sr: c.producer.lastSr, clockRate: c.producer.clockRate, tsOffset: offset })) return;
    this.#reported = c;
    this.#reportedOffset = offset;
    // a little early, so a 1 s tick that runs late does not skip a period
    this.#nextReportAt = nowMs + AUDIO_REPORT_EVERY_MS - 500;
  }


  /** The negotiated m-line id, once there is one. */
  get mid(): string | null {
    return this.transceiver.mid;
  }
}
