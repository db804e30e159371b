/**
 * The publisher connection of one member (the browser offers, we answer): its DTLS role is
 * server so the AES-GCM SRTP profile is chosen, and its congestion feedback is our own
 * transport-wide TWCC generator rather than werift's.
 * @module
 */
import { randomInt } from 'node:crypto';
import { RTCPeerConnection, type MediaStreamTrack, type RTCRtpReceiver } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import { ownCandidates, publisherConfig, type MediaNetwork } from './codecs.ts';
import { TwccFeedbackGenerator } from './interceptors/twcc-feedback.ts';
import { mediaCounts } from './metrics.ts';

/** Callbacks of a {@link PublisherPeer}. */
export interface PublisherEvents {
  /** A declared source's track arrived. */
  onTrack(source: TrackSource, track: MediaStreamTrack, receiver: RTCRtpReceiver): void;
  /** The connection failed or closed. */
  onFailed(reason: string): void;
}

/** The shape werift's receiver expects in its TWCC slot. */
interface TwccSlot {
  handleTWCC(transportSequenceNumber: number): void;
}

/** One member's publisher connection. */
export class PublisherPeer {
  readonly pc: RTCPeerConnection;
  readonly twcc: TwccFeedbackGenerator;
  readonly #sources = new Map<string, TrackSource>();
  readonly #patched = new WeakSet<RTCRtpReceiver>();
  readonly #events: PublisherEvents;
  readonly #log: Logger;
  readonly #net: MediaNetwork;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(net: MediaNetwork, events: PublisherEvents, log: Logger) {
    this.#events = events;
    this.#log = log;
    this.#net = net;
    this.pc = new RTCPeerConnection(publisherConfig(net));
    mediaCounts.peers++;
    this.twcc = new TwccFeedbackGenerator({
      senderSsrc: randomInt(1, 0xffffffff),
      send: (rtcp) => {
        const dtls = this.pc.dtlsTransports[0];
        if (!dtls || dtls.state !== 'connected') return;
        dtls.sendRtcp([{ serialize: () => rtcp } as never]).catch(() => undefined);
      },
    });
    this.pc.onTrack.subscribe((track) => this.#onTrack(track));
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.twcc.start();
      if (state === 'failed' || state === 'closed') {
        this.twcc.stop();
        if (!this.#closed) this.#events.onFailed(`publisher connection ${state}`);
      }
    });
  }

  /** Applies the browser's offer; resolves with our answer. Calls are serialised. */
  negotiate(sdp: string, sources: Record<string, TrackSource>): Promise<string> {
    const run = async (): Promise<string> => {
      for (const [mid, source] of Object.entries(sources)) this.#sources.set(mid, source);
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      for (const t of this.pc.getTransceivers()) this.#patchTwcc(t.receiver);
      const answer = await this.pc.createAnswer();
      // answer as DTLS server: the browser (client) proposes AES-GCM and we pick it
      await this.pc.setLocalDescription({ type: 'answer', sdp: answer.sdp.replace(/a=setup:active/g, 'a=setup:passive') });
      return ownCandidates(this.pc.localDescription?.sdp ?? '', this.#net);
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Routes werift's per-receiver TWCC hook into our one transport-wide generator. */
  #patchTwcc(receiver: RTCRtpReceiver): void {
    if (this.#patched.has(receiver)) return;
    this.#patched.add(receiver);
    const slot: TwccSlot = { handleTWCC: (seq) => this.twcc.onPacket(seq) };
    const r = receiver as unknown as { receiverTWCC: TwccSlot | undefined; setupTWCC: () => void };
    r.receiverTWCC = slot;
    r.setupTWCC = () => {
      r.receiverTWCC = slot;
    };
  }

  #onTrack(track: MediaStreamTrack): void {
    const t = this.pc.getTransceivers().find((tr) => tr.receiver.tracks.includes(track));
    const source = t?.mid != null ? this.#sources.get(t.mid) : undefined;
    if (!t || !source) {
      this.#log.warn('track for an undeclared m-line ignored', { mid: t?.mid });
      return;
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
    void this.pc.close().catch(() => undefined);
  }
}
