// The werift media side shared by every headless benchmark client (rtcroom and Janus): loopback-only
// peer connections, the synthetic Opus/VP8 sender and the receive counter. Both targets use these so
// they send and count identical traffic.
import { randomBytes } from 'node:crypto';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  useAudioLevelIndication,
  useTransportWideCC,
  useTWCC,
  type RTCPeerConnectionConfig,
} from 'werift';
import { SequenceStats, readStamp, stampPayload } from './target.ts';
import { patientConsent } from '../../packages/server/src/media/werift-ice.ts';
import { arrivalClock, DelaySamples } from './arrival-stamps.ts';

/** werift settings that keep ICE on 127.0.0.1 (no STUN/TURN, no IPv6, loopback host candidate). */
export const LOOPBACK = {
  iceServers: [],
  iceUseIpv6: false,
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  iceAdditionalHostAddresses: ['127.0.0.1'],
  bundlePolicy: 'max-bundle' as const,
};

/**
 * werift settings for ICE over TCP only: active TCP candidates that dial the server's passive
 * ones (no listening socket of our own); no UDP pair is checked and UDP checks from the server
 * go unanswered. The UDP candidates stay in the SDP: werift's ICE agent gives up at once when it
 * has no pair to check yet (a passive TCP candidate pairs only with the checks it receives).
 */
export const ICE_TCP_ONLY: Partial<RTCPeerConnectionConfig> = {
  iceUseTcp: true,
  iceTcpPassive: false,
  iceFilterCandidatePair: (pair) => pair.localCandidate.transport.toLowerCase() === 'tcp',
  iceFilterStunResponse: (_message, _addr, protocol) => protocol.type === 'tcp',
};

/** Keeps only loopback candidates (the sockets are bound to 127.0.0.1). */
export function loopbackOnly(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || l.split(' ')[4] === '127.0.0.1')
    .join('\r\n');
}

/** Resolves once werift has gathered its candidates (they are then in localDescription). */
export async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        unSubscribe();
        resolve();
      }
    });
  });
}

/** Resolves once the peer connection is connected (ICE + DTLS done); rejects after `timeoutMs` if given. */
export async function connected(pc: RTCPeerConnection, timeoutMs?: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    if (pc.connectionState === 'connected') return resolve();
    pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve());
    if (timeoutMs != null) timer = setTimeout(() => reject(new Error(`not connected after ${timeoutMs} ms (${pc.connectionState})`)), timeoutMs);
  }).finally(() => clearTimeout(timer));
}

/** A peer connection's state as the client sees it: `connected`, `failed (ICE connected, DTLS failed)`, … */
export function describeConnection(pc: RTCPeerConnection | undefined): string {
  if (!pc) return 'no connection offered';
  const dtls = (pc.dtlsTransports[0] as unknown as { state?: string } | undefined)?.state ?? 'none';
  return pc.connectionState === 'connected' ? 'connected' : `${pc.connectionState} (ICE ${pc.iceConnectionState}, DTLS ${dtls})`;
}

/**
 * A connection whose ICE agent waits for consent answers as a browser does (werift's own wait,
 * ~0.5 s, fails a client's connection after 30 s whenever a loaded server answers late; Chromium's
 * retransmitted checks do not): the server's change, `patientConsent`, on the client too.
 */
function patient(config: Partial<RTCPeerConnectionConfig>): RTCPeerConnection {
  const pc = new RTCPeerConnection(config);
  patientConsent(pc);
  return pc;
}

/** A loopback peer connection for publishing: Opus + VP8 with TWCC, NACK, PLI, mid and audio level. `extra`: e.g. {@link ICE_TCP_ONLY}. */
export function publisherPeer(extra: Partial<RTCPeerConnectionConfig> = {}): RTCPeerConnection {
  return patient({
    ...LOOPBACK,
    ...extra,
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, rtcpFeedback: [useTWCC()] })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useTWCC(), useNACK(), usePLI()] })],
    },
    headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication(), useTransportWideCC()], video: [useSdesMid(), useTransportWideCC()] },
  });
}

/** A loopback peer connection for subscribing: Opus + VP8 with NACK, PLI, REMB and mid. `extra`: e.g. {@link ICE_TCP_ONLY}. */
export function subscriberPeer(extra: Partial<RTCPeerConnectionConfig> = {}): RTCPeerConnection {
  return patient({
    ...LOOPBACK,
    ...extra,
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

/**
 * Synthetic Opus/VP8-sized RTP written to two tracks: Opus every 20 ms (~100 B), VP8 `fps` frames of
 * `packetsPerFrame` × ~1100 B (three times as many on a keyframe). Each payload carries its send
 * time ({@link stampPayload}).
 */
export class SyntheticSender {
  /** The audio track to add to a transceiver. */
  readonly audio = new MediaStreamTrack({ kind: 'audio' });
  /** The video track to add to a transceiver. */
  readonly video = new MediaStreamTrack({ kind: 'video' });
  /** Packets sent so far. */
  sent = { audio: 0, video: 0 };
  /** Keyframes sent so far (the first frame and one per PLI). */
  keyframes = 0;
  /** Whether the next video frame is a keyframe. */
  keyframeDue = true;
  /** Whether video is sent at all. */
  withVideo = true;
  /**
   * While true the timers send nothing (RTP timestamps keep pace with the clock, sequence numbers
   * do not advance): measurement windows start and end with nothing in flight.
   */
  paused = false;
  /** Called to stamp each outgoing packet (for delay probes). */
  stamp: ((p: RtpPacket) => void) | undefined;
  /** RFC 6464 level (-dBov) for each audio packet; undefined sends none. */
  audioLevel: (() => number) | undefined;
  /** The negotiated id of the audio-level extension (0: none). */
  levelId = 0;
  #timers: NodeJS.Timeout[] = [];

  /** Starts the timers. */
  start(fps = 20, packetsPerFrame = 3): void {
    let aSeq = 0;
    let aTs = 0;
    let vSeq = 0;
    let vTs = 0;
    const opus = randomBytes(100);
    const vp8 = randomBytes(1100);
    // each packet carries its send time in its first 8 bytes (for forwarding delay)
    const stamped = (src: Buffer): Buffer => {
      const b = Buffer.from(src);
      stampPayload(b);
      return b;
    };
    this.#timers.push(
      setInterval(() => {
        aTs += 960;
        if (this.paused) return;
        const header = new RtpHeader({ payloadType: 111, sequenceNumber: aSeq++ & 0xffff, timestamp: aTs >>> 0, marker: true });
        if (this.audioLevel && this.levelId) {
          header.extension = true;
          header.extensions = [{ id: this.levelId, payload: Buffer.from([0x80 | Math.max(0, Math.min(127, Math.round(this.audioLevel())))]) }];
        }
        const p = new RtpPacket(header, stamped(opus));
        this.stamp?.(p);
        this.audio.writeRtp(p);
        this.sent.audio++;
      }, 20),
      setInterval(() => {
        if (!this.withVideo) return;
        vTs = (vTs + 90000 / fps) >>> 0;
        if (this.paused) return;
        // a keyframe (on start and on PLI) is about three times a delta frame
        const n = this.keyframeDue ? packetsPerFrame * 3 : packetsPerFrame;
        if (this.keyframeDue) this.keyframes++;
        this.keyframeDue = false;
        for (let i = 0; i < n; i++) {
          const p = new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: vSeq++ & 0xffff, timestamp: vTs, marker: i === n - 1 }), stamped(vp8));
          this.stamp?.(p);
          this.video.writeRtp(p);
          this.sent.video++;
        }
      }, 1000 / fps),
    );
  }

  /** Stops the timers. */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }
}

/** Counts received RTP per kind and samples forwarding delays from the payload stamps. */
export class RtpCounter {
  /** Packets received per kind. */
  packets = { audio: 0, video: 0 };
  /** Payload bytes received. */
  bytes = 0;
  /** Loss accounting by sequence number (header-counted packets only). */
  readonly sequence = new SequenceStats();
  /** Forwarding delays (ms) of every 10th packet (at most 200,000), to the kernel's receive time where known. */
  readonly delays = new DelaySamples();
  /** Called per received RTP packet that was decrypted (for delay probes). */
  onRtp: ((kind: 'audio' | 'video', packet: RtpPacket) => void) | undefined;
  /** Called once per counted packet, decrypted or not, when it arrives (for arrival-gap probes), with its SSRC. */
  onArrival: ((kind: 'audio' | 'video', ssrc: number) => void) | undefined;
  #n = 0;
  /** The connections whose packets are counted from their headers (a replaced one is counted anew). */
  readonly #fromHeaders = new WeakSet<RTCPeerConnection>();
  /** Each connection's arrival clock, from when it is up (handling time before). */
  readonly #arrival = new WeakMap<RTCPeerConnection, (() => number) | undefined>();

  /**
   * Counts every packet `pc` receives from now on. Once the connection is up, packets are counted
   * from their clear RTP headers (payload type → kind, from the remote SDP) and only one in ten is
   * decrypted (for its delay stamp): decrypting everything would make the generator, not the SFU,
   * the bottleneck on two cores (see shared/spec/werift-notes.md). Call it for every connection
   * (a subscriber whose connection the server replaced is counted on the new one too).
   */
  watch(pc: RTCPeerConnection): void {
    pc.onTrack.subscribe((track) => {
      const kind = track.kind as 'audio' | 'video';
      // the counter decrypts one packet in ten: werift must not NACK the other nine
      const receiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))?.receiver as unknown as { nack?: { addPacket(p: unknown): void } } | undefined;
      if (receiver?.nack) receiver.nack.addPacket = () => undefined;
      track.onReceiveRtp.subscribe((p) => {
        const fromHeaders = this.#fromHeaders.has(pc);
        if (!fromHeaders) {
          this.packets[kind]++;
          this.bytes += p.payload.length;
          this.onArrival?.(kind, p.header.ssrc);
        }
        if ((fromHeaders || ++this.#n % 10 === 0) && this.delays.delays.length < 200_000) {
          const sent = readStamp(p);
          if (sent > 0) this.delays.add(sent, this.#arrival.get(pc));
        }
        this.onRtp?.(kind, p);
      });
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#countFromHeaders(pc);
    });
  }

  #countFromHeaders(pc: RTCPeerConnection): void {
    const dtls = pc.dtlsTransports[0] as unknown as { srtp?: { decrypt(b: Buffer): Buffer } } | undefined;
    const srtp = dtls?.srtp;
    const sdp = pc.remoteDescription?.sdp;
    if (!srtp || !sdp || this.#fromHeaders.has(pc)) return;
    this.#arrival.set(pc, arrivalClock(pc));
    const kinds = new Map<number, 'audio' | 'video'>();
    for (const m of sdp.matchAll(/^m=(audio|video) \d+ \S+ ([\d ]+)/gm)) for (const pt of m[2]!.trim().split(' ')) kinds.set(Number(pt), m[1] as 'audio' | 'video');
    const decrypt = srtp.decrypt.bind(srtp);
    let n = 0;
    const seen = new Map<number, Int32Array>();
    srtp.decrypt = (b: Buffer): Buffer => {
      // werift can hand one packet to its SRTP layer more than once (its replay check drops the
      // copies): count each (SSRC, sequence number) once
      const ssrc = b.readUInt32BE(8);
      const seq = b.readUInt16BE(2);
      let ring = seen.get(ssrc);
      if (!ring) seen.set(ssrc, (ring = new Int32Array(1024).fill(-1)));
      if (ring[seq & 1023] === seq) return IGNORED_RTP;
      ring[seq & 1023] = seq;
      const kind = kinds.get(b[1]! & 0x7f);
      if (kind) {
        this.packets[kind]++;
        this.onArrival?.(kind, ssrc);
      }
      this.sequence.add(ssrc, seq);
      this.bytes += b.length - 12;
      return ++n % 10 === 0 ? decrypt(b) : IGNORED_RTP;
    };
    this.#fromHeaders.add(pc);
  }
}

/** A minimal RTP packet with a payload type nobody negotiated: werift parses and drops it. */
const IGNORED_RTP = Buffer.from([0x80, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
