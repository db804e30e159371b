/**
 * A consumer: the copy of one producer sent to one subscriber, through one send slot (a
 * transceiver of the subscriber connection) whose rewriter keeps the stream continuous.
 * @module
 */
import type { RTCRtpTransceiver, RtpPacket } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import type { Producer } from './producer.ts';
import { SeqTsRewriter } from './rewriter.ts';
import { FastRtpSender } from './fast-sender.ts';
import { mediaCounts } from './metrics.ts';

const noop = (): void => undefined;

/** A sendonly transceiver of a subscriber connection, reused across consumers. */
export class SendSlot {
  readonly transceiver: RTCRtpTransceiver;
  readonly kind: 'audio' | 'video';
  /** Keeps what the subscriber sees continuous across consumers. */
  readonly rewriter = new SeqTsRewriter();
  /** Who uses the slot now. */
  consumer: Consumer | undefined;
  /** `userId/source` that used it last, to give it back to the same stream. */
  lastKey: string | undefined;
  /** Our own send path for this transceiver's SSRC. */
  readonly fast: FastRtpSender;

  /** @param testLossPercent fault injection for tests (see {@link FastRtpSender}) */
  constructor(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video', testLossPercent = 0) {
    this.transceiver = transceiver;
    this.kind = kind;
    this.fast = new FastRtpSender(transceiver.sender, testLossPercent);
    // werift parses the subscriber's NACKs; its own cache is empty (we bypass it), ours answers
    transceiver.sender.onGenericNack.subscribe((nack) => this.fast.retransmit(nack.lost));
  }

  /** Sends a sender report for what the slot carries. */
  report(): void {
    const c = this.consumer;
    if (!c) return;
    this.fast.sendReport({ sr: c.producer.lastSr, clockRate: c.producer.clockRate, tsOffset: this.rewriter.tsOffset });
  }

  /** The negotiated m-line id, once there is one. */
  get mid(): string | null {
    return this.transceiver.mid;
  }
}

/** One producer forwarded to one subscriber. */
export class Consumer {
  readonly producer: Producer;
  readonly slot: SendSlot;
  /** Packets forwarded. */
  forwarded = 0;
  #closed = false;

  constructor(producer: Producer, slot: SendSlot) {
    this.producer = producer;
    this.slot = slot;
    slot.consumer = this;
    slot.lastKey = Consumer.key(producer.userId, producer.source);
    slot.rewriter.switchSource();
    producer.consumers.add(this);
    mediaCounts.consumers++;
  }

  /** `userId/source`. */
  static key(userId: string, source: TrackSource): string {
    return `${userId}/${source}`;
  }

  /**
   * Sends one packet. The packet object is shared by every consumer of the producer and is
   * never changed on the fast path; on werift's path its header is rewritten, handed to the
   * sender (which copies it synchronously), then restored.
   */
  forward(packet: RtpPacket, now: number): void {
    if (this.#closed) return;
    const h = packet.header;
    const seq = h.sequenceNumber;
    const ts = h.timestamp;
    const rw = this.slot.rewriter;
    rw.rewrite(h.ssrc, seq, ts, now, this.producer.clockRate);
    const fast = this.slot.fast;
    const path = fast.path();
    if (path === 'fast') {
      if (fast.sendOnFastPath(rw.seq, rw.timestamp, h.marker, packet.payload, this.slot.kind === 'video', now)) {
        this.forwarded++;
        mediaCounts.forwarded++;
      }
      return;
    }
    // DTLS not up yet: neither path could send (the keyframe requested on connect follows)
    if (path === 'wait') return;
    // werift's path (an SRTP profile the fast path does not write), from the leg's first packet on
    h.sequenceNumber = rw.seq;
    h.timestamp = rw.timestamp;
    try {
      this.slot.transceiver.sender.sendRtp(packet).catch(noop);
      this.forwarded++;
      mediaCounts.forwarded++;
    } catch {
      // one subscriber's failure never reaches the publisher or other subscribers
    } finally {
      h.sequenceNumber = seq;
      h.timestamp = ts;
    }
  }

  /** Detaches from the producer and frees the slot. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    mediaCounts.consumers--;
    this.producer.consumers.delete(this);
    if (this.slot.consumer === this) this.slot.consumer = undefined;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }
}
