/**
 * The publisher connection of one member (the browser offers, we answer): its DTLS role is
 * server so the AES-GCM SRTP profile is chosen, and its congestion feedback is our own
 * transport-wide TWCC generator rather than werift's. Offers are normalised first (Firefox's
 * bundle-only m-sections, see `sdp-offer.ts`); an answer that would not receive a declared
 * source fails the negotiation, and published video that stops arriving is reported by a
 * watchdog when the owner passes `isPublished`/`onStalled`.
 * @module
 */
import { randomInt } from 'node:crypto';
import { RTCPeerConnection, type MediaStreamTrack, type RTCRtpReceiver } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import { ownCandidates, publisherConfig, withOpusDtx, type MediaNetwork } from './codecs.ts';
import { TwccFeedbackGenerator } from './interceptors/twcc-feedback.ts';
import { mediaCounts } from './metrics.ts';
import { normaliseOffer, rejectedSources } from './sdp-offer.ts';
import { RtpWatchdog } from './rtp-watchdog.ts';
import { adaptReceiver, decryptNatively, forgetRoutes, receiveNatively, rtcpNatively, tapTransportWideCc, keepEarlyDtls, connectOnNomination, leanEvents, patientConsent, stampArrivals, useSharedPort } from './werift-adapter.ts';
import { ArrivalClock } from './transport/arrival-clock.ts';

/** Callbacks of a {@link PublisherPeer}. */
export interface PublisherEvents {
  /** A declared source's track arrived. */
  onTrack(source: TrackSource, track: MediaStreamTrack, receiver: RTCRtpReceiver): void;
  /** The connection failed or closed. */
  onFailed(reason: string): void;
  /**
   * Whether `source` is published now. With {@link PublisherEvents.onStalled}, it turns on the
   * watchdog of the camera (`video`). A screen is not watched: a still screen or canvas may
   * rightly send no frames for a while.
   */
  isPublished?(source: TrackSource): boolean;
  /** The published camera received no RTP for `silentMs` while the connection was up. */
  onStalled?(source: TrackSource, silentMs: number): void;
}

/** Options of a {@link PublisherPeer}. */
export interface PublisherOptions {
  /** Silence of the published camera reported through `onStalled` (ms, default 5000). */
  stallMs?: number;
}

const WATCHED: ReadonlySet<TrackSource> = new Set(['video']);

/** One member's publisher connection. */
export class PublisherPeer {
  readonly pc: RTCPeerConnection;
  readonly twcc: TwccFeedbackGenerator;
  readonly #sources = new Map<string, TrackSource>();
  readonly #events: PublisherEvents;
  readonly #log: Logger;
  readonly #net: MediaNetwork;
  readonly #watchdog: RtpWatchdog<TrackSource> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #taken = new WeakSet<MediaStreamTrack>();

  constructor(net: MediaNetwork, events: PublisherEvents, log: Logger, options: PublisherOptions = {}) {
    this.#events = events;
    this.#log = log;
    this.#net = net;
    this.pc = new RTCPeerConnection(publisherConfig(net));
    patientConsent(this.pc);
    connectOnNomination(this.pc);
    keepEarlyDtls(this.pc);
    if (net.shared) useSharedPort(this.pc, net.shared);
    const { isPublished, onStalled } = events;
    if (isPublished && onStalled) {
      const stallMs = options.stallMs ?? 5000;
      this.#watchdog = new RtpWatchdog<TrackSource>({
        stallMs,
        everyMs: Math.min(1000, stallMs / 2),
        isWatched: (source) => this.pc.connectionState === 'connected' && isPublished(source),
        onStall: (source, silentMs) => {
          this.#log.warn('published video receives no RTP', { source, silentMs });
          onStalled(source, silentMs);
        },
      });
    }
    mediaCounts.peers++;
    this.twcc = new TwccFeedbackGenerator({
      senderSsrc: randomInt(1, 0xffffffff),
      send: (rtcp) => {
        const dtls = this.pc.dtlsTransports[0];
        if (!dtls || dtls.state !== 'connected') return;
        dtls.sendRtcp([{ serialize: () => rtcp } as never]).catch(() => undefined);
      },
    });
    // feedback carries each packet's arrival at the host, not its handling (see arrival-clock.ts)
    const arrivals = new ArrivalClock(net.native);
    stampArrivals(this.pc, arrivals);
    const transportWide = { handleTWCC: (seq: number) => this.twcc.onPacket(seq, arrivals.arrival()) };
    tapTransportWideCc(this.pc, transportWide);
    this.pc.onTrack.subscribe((track) => this.#onTrack(track));
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        if (net.native) {
          decryptNatively(this.pc, net.native);
          rtcpNatively(this.pc, net.native);
        }
        leanEvents(this.pc);
        // media RTP below werift from here on (native path: decryption on the module)
        if (net.native) receiveNatively(this.pc, transportWide);
        this.twcc.start();
        this.#watchdog?.start();
      }
      if (state === 'failed' || state === 'closed') {
        this.twcc.stop();
        this.#watchdog?.stop();
        if (!this.#closed) this.#events.onFailed(`publisher connection ${state}`);
      }
    });
  }

  /**
   * Applies the browser's offer; resolves with our answer. Calls are serialised. Rejects (after
   * completing the negotiation, so the connection stays usable) when the answer does not
   * receive a declared source, naming it: a silent `m=video 0` would be a black tile.
   */
  negotiate(sdp: string, sources: Record<string, TrackSource>): Promise<string> {
    const run = async (): Promise<string> => {
      for (const [mid, source] of Object.entries(sources)) {
        this.#sources.set(mid, source);
        // watched from now on, even if werift never makes a track for it
        if (WATCHED.has(source)) this.#watchdog?.counter(source);
      }
      // Firefox offers bundled m-sections with port 0 and a=bundle-only, which werift would reject
      const offer = normaliseOffer(sdp);
      if (offer.bundleOnly.length) this.#log.debug('bundle-only m-sections given the bundle transport', { mids: offer.bundleOnly });
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      forgetRoutes(this.pc);
      for (const t of this.pc.getTransceivers()) adaptReceiver(t.receiver);
      this.#takeTracks();
      leanEvents(this.pc);
      const answer = await this.pc.createAnswer();
      // answer as DTLS server: the browser (client) proposes AES-GCM and we pick it; ask its Opus
      // encoder for DTX (werift answers with the offer's own Opus parameters)
      const ours = answer.sdp.replace(/a=setup:active/g, 'a=setup:passive');
      await this.pc.setLocalDescription({ type: 'answer', sdp: this.#net.opusDtx === false ? ours : withOpusDtx(ours) });
      const local = this.pc.localDescription?.sdp ?? '';
      const rejected = rejectedSources(local, sources);
      if (rejected.length) {
        const what = rejected.map((r) => `${r.source} (mid ${r.mid}: ${r.reason})`).join(', ');
        this.#log.warn('publisher answer rejects declared sources', { rejected });
        throw new Error(`answer does not receive ${what}`);
      }
      return ownCandidates(local, this.#net);
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * werift announces one track per transceiver; a simulcast transceiver holds one per layer
   * (rid), the others silently: every track of the declared m-lines is taken, once.
   */
  #takeTracks(): void {
    for (const t of this.pc.getTransceivers()) {
      if (t.mid == null || !this.#sources.has(t.mid)) continue;
      for (const track of t.receiver.tracks) this.#onTrack(track);
    }
  }

  #onTrack(track: MediaStreamTrack): void {
    if (this.#taken.has(track)) return;
    this.#taken.add(track);
    const t = this.pc.getTransceivers().find((tr) => tr.receiver.tracks.includes(track));
    const source = t?.mid != null ? this.#sources.get(t.mid) : undefined;
    if (!t || !source) {
      this.#log.warn('track for an undeclared m-line ignored', { mid: t?.mid });
      return;
    }
    leanEvents(this.pc); // the track's event, made after the negotiation (a simulcast layer's)
    if (this.#watchdog && WATCHED.has(source)) {
      const counter = this.#watchdog.counter(source);
      track.onReceiveRtp.subscribe(() => {
        counter.n++;
      });
    }
    if (track.ssrc !== undefined && this.twcc.mediaSsrc === 0) this.twcc.mediaSsrc = track.ssrc;
    if (this.twcc.mediaSsrc === 0) {
      // no SSRC in the SDP (RID-based): take it from the first packet
      const first = track.onReceiveRtp.subscribe((p) => {
        if (this.twcc.mediaSsrc === 0) this.twcc.mediaSsrc = p.header.ssrc;
        first.unSubscribe();
      });
    }
    this.#events.onTrack(source, track, t.receiver);
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    mediaCounts.peers--;
    this.twcc.stop();
    this.#watchdog?.stop();
    void this.pc.close().catch(() => undefined);
  }
}
