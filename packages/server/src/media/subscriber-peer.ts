/**
 * The subscriber connection of one member (we offer, the browser answers). Consumers take
 * send slots (sendonly transceivers) that are reused, so the SDP stays small; every change of
 * what the slots carry is announced with a fresh offer, negotiations serialised.
 * @module
 */
import { RTCPeerConnection } from 'werift';
import { RtcError, type SubscribedTrack } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import { ownCandidates, subscriberConfig, type MediaNetwork } from './codecs.ts';
import { Consumer } from './consumer.ts';
import { SendSlot } from './send-slot.ts';
import type { Producer } from './producer.ts';
import { mediaCounts } from './metrics.ts';
import { DownlinkCc } from './downlink-cc.ts';
import { tapTwccFeedback, keepEarlyDtls, connectOnNomination, rtcpNatively, leanEvents, patientConsent, useSharedPort, shareIdleTrack, receiveRtcpNatively, type SubscriberRtcpSink } from './werift-adapter.ts';

/** Callbacks of a {@link SubscriberPeer}. */
export interface SubscriberEvents {
  /** Send this offer to the client. */
  sendOffer(offer: { offerId: number; sdp: string; tracks: SubscribedTrack[] }): void;
  /** The connection failed or closed. */
  onFailed(reason: string): void;
}

/**
 * How many times an offer is sent before its negotiation gives up: the first send and a resend
 * after each unanswered answer timeout. A client busy joining (a phone, a loaded page, a
 * thousand listeners joining one server at once) can take longer than one timeout to answer;
 * the answer to any send counts.
 */
export const OFFER_SENDS = 3;

interface AnswerWaiter {
  offerId: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** One member's subscriber connection. */
export class SubscriberPeer {
  readonly pc: RTCPeerConnection;
  readonly slots: SendSlot[] = [];
  readonly #events: SubscriberEvents;
  readonly #log: Logger;
  readonly #answerTimeoutMs: number;
  readonly #net: MediaNetwork;
  #offerId = 0;
  #busy = false;
  #dirty = false;
  #scheduled = false;
  #waiter: AnswerWaiter | undefined;
  #closed = false;
  #fresh = new Set<Consumer>();
  #iceRestart = false;
  #lastOffer: { offerId: number; sdp: string; tracks: SubscribedTrack[] } | undefined;
  /** The last offer answered: its answer again (the client answered a resend too) is no error. */
  #answeredOfferId = 0;
  /** Transport-wide congestion control of the connection: the downlink estimate. */
  readonly cc = new DownlinkCc();
  /** When RTCP last came from the subscriber (performance.now()): its connection lives. */
  lastRtcpAt = -Infinity;
  readonly #reports: NodeJS.Timeout;

  constructor(net: MediaNetwork, events: SubscriberEvents, log: Logger, answerTimeoutMs = 10_000) {
    this.#events = events;
    this.#log = log;
    this.#answerTimeoutMs = answerTimeoutMs;
    this.#net = net;
    this.pc = new RTCPeerConnection(subscriberConfig(net));
    patientConsent(this.pc);
    connectOnNomination(this.pc);
    keepEarlyDtls(this.pc);
    if (net.shared) useSharedPort(this.pc, net.shared);
    tapTwccFeedback(this.pc, this.#rtcp.twcc);
    mediaCounts.peers++;
    // sender reports: each slot decides every second (RFC 3550 leaves the interval to us; Chromium
    // needs them for lip-sync)
    this.#reports = setInterval(() => {
      const now = performance.now();
      for (const s of this.slots) s.report(now);
    }, 1000);
    this.#reports.unref();
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        // each slot reads the negotiated SRTP profile now, before the requested keyframes arrive
        for (const s of this.slots) s.fast.path();
        leanEvents(this.pc);
        if (net.native) {
          rtcpNatively(this.pc, net.native);
          receiveRtcpNatively(this.pc, this.#rtcp);
        }
        // video starts on the keyframe held for it, or asked for when it was offered
        const now = performance.now();
        for (const c of this.consumers()) c.start(now);
      }
      if ((state === 'failed' || state === 'closed') && !this.#closed) this.#events.onFailed(`subscriber connection ${state}`);
    });
  }

  /** What the subscriber's RTCP tells, from werift's events or read below werift (werift-rtcp-receive.ts). */
  readonly #rtcp: SubscriberRtcpSink = {
    heard: () => {
      this.lastRtcpAt = performance.now();
    },
    nack: (ssrc, lost) => this.#slotSending(ssrc)?.nacked(lost),
    keyframe: (ssrc) => {
      const slot = this.#slotSending(ssrc);
      if (slot) this.#keyframeAsked(slot);
    },
    twcc: (fb) => this.cc.onFeedback(fb),
  };

  /** The slot whose stream goes out with `ssrc`. */
  #slotSending(ssrc: number): SendSlot | undefined {
    for (const s of this.slots) if (s.fast.ssrc === ssrc) return s;
    return undefined;
  }

  /** The subscriber's keyframe requests go to whichever producer the slot carries, through its throttle. */
  #keyframeAsked(slot: SendSlot): void {
    mediaCounts.plisReceived++;
    slot.consumer?.requestKeyframe();
  }

  /** Sends a probe burst for the downlink estimate when it asks for one (on the video slots' RTX). */
  probe(nowMs = performance.now()): void {
    this.cc.runProbe(nowMs, (bytes, cluster) => {
      let sent = 0;
      for (const s of this.slots) if (s.kind === 'video' && sent < bytes) sent += s.fast.probe(bytes - sent, cluster);
      return sent;
    });
  }

  /** Live consumers. */
  consumers(): Consumer[] {
    return this.slots.flatMap((s) => (s.consumer ? [s.consumer] : []));
  }

  /** Starts forwarding `producer` to this subscriber. */
  consume(producer: Producer): Consumer {
    const key = Consumer.key(producer.userId, producer.source);
    const free = this.slots.filter((s) => s.kind === producer.kind && !s.consumer);
    let slot = free.find((s) => s.lastKey === key) ?? free[0];
    if (!slot) {
      const t = this.pc.addTransceiver(producer.kind, { direction: 'sendonly' });
      shareIdleTrack(t);
      const created = new SendSlot(t, producer.kind, this.#net.testSubscriberLossPercent, this.cc, this.#net.native);
      // what werift routes to the slot's sender (RTCP not taken below werift: the JavaScript path)
      t.sender.onRtcp.subscribe(() => this.#rtcp.heard());
      t.sender.onPictureLossIndication.subscribe(() => this.#keyframeAsked(created));
      slot = created;
      this.slots.push(slot);
    }
    const c = new Consumer(producer, slot);
    // not connected yet: the keyframe comes while ICE and DTLS run ('connected' starts it)
    if (this.pc.connectionState !== 'connected') c.prepare();
    this.#fresh.add(c);
    this.#schedule();
    return c;
  }

  /** Stops a consumer; its slot goes idle. */
  release(c: Consumer): void {
    c.close();
    this.#fresh.delete(c);
    this.#schedule();
  }

  /**
   * Offers again with new ICE credentials (the client's network changed). Media resumes on the
   * new path once the client answered and ICE connected; DTLS and SRTP keys stay.
   */
  restartIce(): void {
    if (this.#offerId === 0) return;
    this.#iceRestart = true;
    this.#log.info('ICE restart');
    this.#schedule();
  }

  /** Sends the offer that awaits an answer again (the client's session was replaced meanwhile). */
  resendPending(): void {
    if (this.#waiter && this.#lastOffer?.offerId === this.#waiter.offerId) this.#events.sendOffer(this.#lastOffer);
  }

  /** Applies the client's answer to offer `offerId`. */
  async onAnswer(offerId: number, sdp: string): Promise<void> {
    const w = this.#waiter;
    if ((!w || w.offerId !== offerId) && offerId === this.#answeredOfferId) return;
    if (!w || w.offerId !== offerId) throw new RtcError('paramError', 'subscriberAnswer', `no pending offer ${offerId}`);
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      // codecs, extensions or (after an ICE restart) the pair may have changed
      for (const s of this.slots) s.fast.invalidate();
    } catch (e) {
      w.reject(e as Error);
      throw new RtcError('mediaFailed', 'subscriberAnswer', (e as Error).message);
    }
    this.#answeredOfferId = offerId;
    w.resolve();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#negotiate();
    });
  }

  async #negotiate(): Promise<void> {
    if (this.#busy) {
      this.#dirty = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#dirty = false;
        if (this.#closed) return;
        const offer = await this.pc.createOffer(this.#iceRestart ? { iceRestart: true } : undefined);
        this.#iceRestart = false;
        await this.pc.setLocalDescription(offer);
        leanEvents(this.pc);
        const offerId = ++this.#offerId;
        const tracks: SubscribedTrack[] = [];
        for (const s of this.slots) {
          if (s.consumer && s.mid !== null) tracks.push({ mid: s.mid, userId: s.consumer.producer.userId, source: s.consumer.producer.source });
        }
        const fresh = [...this.#fresh];
        this.#fresh.clear();
        const answered = this.#waitAnswer(offerId);
        this.#lastOffer = { offerId, sdp: ownCandidates(this.pc.localDescription?.sdp ?? '', this.#net), tracks };
        this.#events.sendOffer(this.#lastOffer);
        await answered;
        // before the transport is up a keyframe would be lost: 'connected' asks for all of them
        if (this.pc.connectionState === 'connected') this.#requestKeyframes(fresh.filter((c) => !c.closed));
      } while (this.#dirty);
    } catch (e) {
      if (!this.#closed) this.#log.warn('subscriber negotiation failed', { err: e });
    } finally {
      this.#busy = false;
    }
  }

  #waitAnswer(offerId: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let sends = 1;
      const expire = (): void => {
        const offer = this.#lastOffer;
        if (sends < OFFER_SENDS && !this.#closed && offer?.offerId === offerId) {
          sends++;
          this.#log.info('offer unanswered, sent again', { offerId, sends });
          this.#events.sendOffer(offer);
          timer = setTimeout(expire, this.#answerTimeoutMs);
          timer.unref();
          return;
        }
        this.#waiter = undefined;
        reject(new Error(`no answer to offer ${offerId} in ${sends} sends, ${this.#answerTimeoutMs} ms each`));
      };
      let timer = setTimeout(expire, this.#answerTimeoutMs);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        if (this.#waiter?.offerId === offerId) this.#waiter = undefined;
      };
      this.#waiter = {
        offerId,
        resolve: () => {
          done();
          resolve();
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
    });
  }

  #requestKeyframes(consumers: Consumer[]): void {
    for (const c of consumers) c.requestKeyframe();
  }

  /** Closes the connection and every consumer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reports);
    mediaCounts.peers--;
    for (const c of this.consumers()) c.close();
    this.#waiter?.reject(new Error('closed'));
    void this.pc.close().catch(() => undefined);
  }
}
