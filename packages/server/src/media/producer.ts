/**
 * A producer: one published track (audio, video, screen or screen audio) of one member, and
 * the fan-out of its packets to consumers.
 * @module
 */
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from 'werift';
import { SOURCE_KIND, type TrackSource } from '@rtcroom/protocol';
import { KeyframeThrottle } from './interceptors/keyframe-throttle.ts';
import type { Consumer } from './consumer.ts';
import { mediaCounts } from './metrics.ts';

const NO_EXTENSIONS: RtpPacket['header']['extensions'] = [];
const AUDIO_LEVEL = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
/**
 * A camera silent this long and then back has had an outage. Well above the pauses of a camera
 * whose encoder drops frames at a low bitrate: a keyframe requested there makes the congestion
 * it came from worse (measured: the publisher's estimate then failed to pass 1 Mbps).
 */
const RESUME_GAP_MS = 2000;

/** One incoming track. */
export class Producer {
  /** Owner. */
  readonly userId: string;
  /** What the track is. */
  readonly source: TrackSource;
  /** Media kind. */
  readonly kind: 'audio' | 'video';
  /** Forwarding on (the member publishes this source). */
  active = false;
  /** When it last became active (for publish order in snapshots). */
  activeSince = 0;
  /** SSRC of the incoming stream, once known. */
  ssrc: number | undefined;
  /** Codec clock rate. */
  readonly clockRate: number;
  /** Packets received while active. */
  packets = 0;
  /** When the last packet arrived, active or not (performance.now(); -Infinity before any). */
  lastPacketAt = -Infinity;
  /** Consumers of this producer. */
  readonly consumers = new Set<Consumer>();
  /** The publisher's last sender report (for lip-sync across forwarding). */
  lastSr: { ntpMs: number; rtp: number; atMs: number } | undefined;
  /** Receives the RFC 6464 level of each audio packet while active (-dBov, arrival ms). */
  onLevel: ((level: number, atMs: number) => void) | undefined;
  /** Keyframe requests towards the publisher, throttled. */
  readonly keyframes: KeyframeThrottle;
  #receiver: RTCRtpReceiver | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(userId: string, source: TrackSource) {
    this.userId = userId;
    this.source = source;
    this.kind = SOURCE_KIND[source];
    this.clockRate = this.kind === 'audio' ? 48000 : 90000;
    this.keyframes = new KeyframeThrottle(() => this.#sendPli());
    mediaCounts.producers++;
  }

  /** Binds the incoming track once the publisher's transceiver produced it. */
  attach(track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    this.#unsubscribe?.();
    this.#receiver = receiver;
    this.ssrc = track.ssrc;
    const rtp = track.onReceiveRtp.subscribe((packet, ext) => {
      // one clock read per packet, shared by every consumer and the level detector
      const now = performance.now();
      this.#onRtp(packet, now);
      if (this.active && this.onLevel && ext) {
        const al = ext[AUDIO_LEVEL] as { level?: number } | undefined;
        if (al?.level !== undefined) this.onLevel(al.level, now);
      }
    });
    const rtcp = track.onReceiveRtcp.subscribe((p) => {
      if (p.type !== 200) return;
      const ntp = (p as { senderInfo: { ntpTimestamp: bigint; rtpTimestamp: number } }).senderInfo;
      const secs = Number(ntp.ntpTimestamp >> 32n) - 2208988800 + Number(ntp.ntpTimestamp & 0xffffffffn) / 0x100000000;
      this.lastSr = { ntpMs: secs * 1000, rtp: ntp.rtpTimestamp, atMs: performance.now() };
    });
    this.#unsubscribe = () => {
      rtp.unSubscribe();
      rtcp.unSubscribe();
    };
    if (this.active && this.consumers.size > 0) this.requestKeyframe();
  }

  /** Asks the publisher for a keyframe (video only; throttled). */
  requestKeyframe(): void {
    if (this.kind === 'video' && !this.#closed) this.keyframes.request();
  }

  #sendPli(): void {
    if (this.#receiver && this.ssrc !== undefined) void this.#receiver.sendRtcpPLI(this.ssrc).catch(() => undefined);
  }

  #onRtp(packet: RtpPacket, now: number): void {
    // a camera that resumes after an outage (the publisher's link was cut): whatever subscribers
    // lost meanwhile cannot be repaired, and their own keyframe requests went nowhere — ask at once
    // (not for screens: a still screen may rightly send nothing for a while)
    const resumed = this.source === 'video' && this.lastPacketAt !== -Infinity && now - this.lastPacketAt > RESUME_GAP_MS;
    this.lastPacketAt = now;
    if (!this.active) return;
    if (resumed && this.consumers.size > 0) this.requestKeyframe();
    this.packets++;
    mediaCounts.received++;
    this.ssrc = packet.header.ssrc;
    // the publisher's extension ids mean nothing on the subscriber legs
    packet.header.extensions = NO_EXTENSIONS;
    for (const c of this.consumers) c.forward(packet, now);
  }

  /** Stops forwarding and detaches consumers (they are closed by their owners). */
  close(): void {
    if (this.#closed) return;
    mediaCounts.producers--;
    this.#closed = true;
    this.active = false;
    this.#unsubscribe?.();
    this.keyframes.close();
  }
}
