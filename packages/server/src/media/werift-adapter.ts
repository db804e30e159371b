/**
 * The one place that reaches into werift (0.25.2, pinned exactly): what an SFU needs that
 * werift does not offer.
 *
 * - **TWCC**: werift makes one feedback generator per receiver, which Chromium's estimator
 *   cannot use, and reports only packets a receiver accepted. Every RTP packet the connection
 *   receives has its transport-wide sequence number read before werift routes it, so packets
 *   werift then drops (a simulcast layer's RTX and padding probes, identified by
 *   `repaired-rtp-stream-id`) are still acknowledged: reported lost, the probes would make the
 *   publisher's estimate collapse to ~50 kbps (measured).
 * - **NACK and simulcast**: werift's receiver keeps one NACK sequence tracker for all its
 *   SSRCs, so two simulcast layers (two sequence spaces, interleaved) look like heavy loss: it
 *   NACKs hundreds of packets every 5 ms and the publisher's bandwidth estimate collapses to
 *   ~40 kbps (measured). And it drops the layers' retransmissions (RTX identified by
 *   `repaired-rtp-stream-id`: it maps RTX only by SSRC). So a receiver of rid layers sends no
 *   NACKs: loss on the publisher's uplink of a simulcast layer is repaired by a keyframe (the
 *   subscribers' PLIs), as it would be without RTX.
 * - **Native SRTP decryption** ({@link decryptNatively}): on the native send path, a publisher's
 *   RTP is checked and decrypted on the native module's pre-keyed context instead of a Node
 *   decipher per packet; werift keeps its header parse and rollover-counter estimate.
 * - **Media RTP below werift** ({@link receiveNatively}, werift-media-receive.ts): on the native
 *   path, once werift routed a publisher's stream, its packets skip werift's SRTP session,
 *   router and receiver objects (werift's statistics, NACK tracker and track events still get them).
 * - **Subscribers' RTCP below werift** ({@link receiveRtcpNatively}, werift-rtcp-receive.ts): on
 *   the native path, a subscriber connection's NACKs, keyframe requests and transport-wide
 *   feedback are read in place, without werift's parse and routing of every report.
 * - **Header parses** (rtp-header-parse.ts): werift's `RtpHeader.deSerialize` and
 *   `RtcpHeader.deSerialize`, which read bit fields through binary strings (~12 KB of garbage per
 *   received RTP packet), are replaced on import of this module by ones that fill the same objects
 *   from the bytes.
 * - **ICE** (werift-ice.ts, re-exported here): one media port ({@link useSharedPort}), consent
 *   checks that survive a queued link and, on a pair that carries media, are sent and answered
 *   below werift's STUN code ({@link patientConsent}, werift-consent.ts), and each datagram's kernel
 *   arrival time ({@link stampArrivals}); no STUN query to Google's server when none is configured
 *   (applied to every agent of the process on import of this module), and DTLS started as soon
 *   as a pair is nominated ({@link connectOnNomination}), in werift-ice-start.ts.
 * - **Per-packet costs of the receive path** (werift-receive.ts): events without a promise per
 *   packet ({@link leanEvents}), codec lookups computed once per negotiation (in {@link adaptReceiver}).
 * - **DTLS** (werift-dtls.ts, re-exported here): a browser's handshake that starts before
 *   werift's ICE is done is kept, not dropped ({@link keepEarlyDtls}); the server answers the first
 *   ClientHello without a HelloVerifyRequest, a round trip less (werift-dtls-hello.ts); the
 *   handshake's X25519 runs on OpenSSL, not in JavaScript ({@link opensslX25519}).
 * - **Memory of send-only slots** (werift-send-only.ts): their receivers share one idle remote
 *   track per kind instead of making their own ({@link shareIdleTrack}).
 * @module
 */
import { RtcpHeader, RtpHeader, SrtpAuthenticationError, type RTCPeerConnection, type RTCRtpReceiver, type RtpPacket } from 'werift';
import type { NativeAddon } from './native/addon.ts';
import { NativeUnprotector, type SrtpHeaderFields } from './native/native-unprotector.ts';
import { FMT_TWCC, RTPFB, type TwccFeedback, type TwccPacketStatus } from './interceptors/twcc-feedback.ts';

import { parseRtcpHeaderInto, parseRtpHeaderInto } from './rtp-header-parse.ts';
import { lightenReceiver } from './werift-receive.ts';
import { noFallbackStun } from './werift-ice-start.ts';
import { extensionId, openNativelyWith, type TwccSink } from './werift-media-receive.ts';
import { TWCC_EXTENSION_URI } from './downlink-cc.ts';

export { patientConsent, stampArrivals, useSharedPort, type SharedPort } from './werift-ice.ts';
export { keepEarlyDtls, opensslX25519 } from './werift-dtls.ts';
export { canAnswerHelloAtOnce } from './werift-dtls-hello.ts';
export { leanEvents } from './werift-receive.ts';
export { AUDIO_LEVEL_URI, forgetRoutes, receiveNatively, type TwccSink } from './werift-media-receive.ts';
export { connectOnNomination, noFallbackStun } from './werift-ice-start.ts';
export { shareIdleTrack } from './werift-send-only.ts';
export { receiveRtcpNatively, type SubscriberRtcpSink } from './werift-rtcp-receive.ts';

// every werift ICE agent of a process that loads the adapter (server, media workers, bench and
// test clients) queries only the STUN servers it was given
noFallbackStun();

const weriftParse = RtpHeader.deSerialize.bind(RtpHeader);
/** werift parses every RTP header it receives through this static method (its SRTP and RTP layers). */
RtpHeader.deSerialize = (raw: Buffer): RtpHeader => {
  const h = new RtpHeader();
  return parseRtpHeaderInto(h, raw) ? h : weriftParse(raw);
};
const weriftRtcpParse = RtcpHeader.deSerialize.bind(RtcpHeader);
/** …and every RTCP header (each packet of a compound). */
RtcpHeader.deSerialize = (raw: Buffer): RtcpHeader => {
  const h = new RtcpHeader();
  return parseRtcpHeaderInto(h, raw) ? h : weriftRtcpParse(raw);
};

/** The parts of werift's RTP router used here (media/router.js of 0.25.x). */
interface RouterInternals {
  routeRtp(packet: RtpPacket): void;
  routeRtcp(packet: { type: number; serialize(): Buffer; feedback?: { count: number } }): void;
  extIdUriMap: Record<number, string>;
}

/** werift's parse of a transport-wide CC feedback (rtp/src/rtcp/rtpfb/twcc.js of 0.25.x). */
export interface WeriftTwcc {
  senderSsrc: number;
  mediaSourceSsrc: number;
  baseSequenceNumber: number;
  packetStatusCount: number;
  referenceTime: number;
  fbPktCount: number;
  /** Run-length chunks (`type` 0: `packetStatus` × `runLength`) and status vectors (`type` 1: `symbolList`). */
  packetChunks: { type: number; packetStatus?: number; runLength?: number; symbolSize?: number; symbolList?: number[] }[];
  /** One per received packet, in order: the receive delta in µs. */
  recvDeltas: { delta: number }[];
}

/**
 * Our form of werift's parsed feedback. (werift's own re-serialisation of a parsed TWCC packet
 * is lossy — it cannot be decoded again — so the parsed fields are read instead.)
 */
export function twccFromWerift(f: WeriftTwcc): TwccFeedback {
  const packets: TwccPacketStatus[] = [];
  let delta = 0;
  const push = (status: number): void => {
    if (packets.length >= f.packetStatusCount) return;
    const seq = (f.baseSequenceNumber + packets.length) & 0xffff;
    // 1: received, small delta; 2: received, large delta; 0 (and 3, reserved): not received
    if (status === 1 || status === 2) {
      const d = f.recvDeltas[delta++];
      packets.push(d ? { seq, received: true, deltaUs: d.delta } : { seq, received: false });
    } else packets.push({ seq, received: false });
  };
  for (const c of f.packetChunks) {
    if (c.type === 0) for (let i = 0; i < (c.runLength ?? 0); i++) push(c.packetStatus ?? 0);
    else for (const v of c.symbolList ?? []) push(v);
  }
  return {
    senderSsrc: f.senderSsrc,
    mediaSsrc: f.mediaSourceSsrc,
    baseSeq: f.baseSequenceNumber,
    statusCount: packets.length,
    referenceTime: f.referenceTime,
    fbPktCount: f.fbPktCount,
    packets,
  };
}

/**
 * Hands every transport-wide congestion-control feedback packet `pc` receives to `onFeedback`,
 * before werift routes it: werift routes RTCP by media SSRC and would give a subscriber leg's
 * transport-wide feedback to one sender's own estimator at best.
 */
export function tapTwccFeedback(pc: RTCPeerConnection, onFeedback: (feedback: TwccFeedback) => void): void {
  const router = (pc as unknown as { router: RouterInternals }).router;
  const route = router.routeRtcp.bind(router);
  router.routeRtcp = (packet) => {
    if (packet.type === RTPFB && packet.feedback?.count === FMT_TWCC) {
      try {
        onFeedback(twccFromWerift(packet.feedback as unknown as WeriftTwcc));
      } catch {
        // a malformed feedback: nothing to learn from it
      }
    }
    route(packet);
  };
}

/**
 * Reads the transport-wide sequence number of every RTP packet `pc` receives into `sink`,
 * before werift routes the packet (see the module notes).
 */
export function tapTransportWideCc(pc: RTCPeerConnection, sink: TwccSink): void {
  const router = (pc as unknown as { router: RouterInternals }).router;
  const route = router.routeRtp.bind(router);
  let id = -1;
  let known: string | undefined;
  router.routeRtp = (packet) => {
    const map = router.extIdUriMap;
    if (map[id] !== TWCC_EXTENSION_URI) {
      // negotiated (or renegotiated) ids: look the extension up again
      id = extensionId(map, TWCC_EXTENSION_URI);
      known = map[id];
    }
    if (known !== undefined) {
      for (const e of packet.header.extensions) {
        if (e.id === id && e.payload.length >= 2) {
          sink.handleTWCC(e.payload.readUInt16BE(0));
          break;
        }
      }
    }
    route(packet);
  };
}

/** The parts of werift's receiver changed here (rtpReceiver.js of 0.25.x). */
interface ReceiverInternals {
  receiverTWCC: TwccSink | undefined;
  setupTWCC: (ssrc: number) => void;
  nack: { addPacket(packet: RtpPacket): void };
  tracks: { rid?: string }[];
}

const patched = new WeakSet<RTCRtpReceiver>();

/** werift's per-receiver TWCC, silenced: {@link tapTransportWideCc} reports every packet once. */
const SILENT: TwccSink = { handleTWCC: () => undefined };

/** Applies the receiver changes above to `receiver` (once). */
export function adaptReceiver(receiver: RTCRtpReceiver): void {
  if (patched.has(receiver)) return;
  patched.add(receiver);
  const r = receiver as unknown as ReceiverInternals;
  r.receiverTWCC = SILENT;
  r.setupTWCC = () => {
    r.receiverTWCC = SILENT;
  };
  const nack = r.nack;
  const addPacket = nack.addPacket.bind(nack);
  nack.addPacket = (packet) => {
    if (!r.tracks.some(hasRid)) addPacket(packet);
  };
  lightenReceiver(receiver);
}

const hasRid = (t: { rid?: string }): boolean => !!t.rid;

/** werift's cipher of an SRTP context (rtp/src/srtp/cipher: `CipherAesGcm`, `CipherAesCtr`). */
interface SrtpCipherInternals {
  srtpSessionKey?: Buffer;
  srtpSessionSalt?: Buffer;
  srtpSessionAuthTag?: Buffer;
  aeadAuthTagLen?: number;
  authTagLength?: number;
  decryptRtp(packet: Buffer, roc: number, header?: SrtpHeaderFields): [Buffer, SrtpHeaderFields];
}

/** werift's numbers for the DTLS-SRTP profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
const SRTP_AEAD_AES_128_GCM = 0x0007;

const nativelyDecrypting = new WeakSet<object>();

/**
 * Decrypts the RTP that `pc` receives on the native module from now on (call it once DTLS is
 * connected, when werift has made the SRTP session; again after a new handshake). werift still
 * parses the header and estimates the rollover counter; a packet that does not authenticate
 * is dropped by werift as before (the same error). Profiles the module does not know, and a
 * werift whose internals differ, stay on werift's decryption.
 */
export function decryptNatively(pc: RTCPeerConnection, addon: NativeAddon): void {
  for (const t of pc.dtlsTransports) {
    const remote = (t as unknown as { srtp?: { remoteContext?: { profile?: number; cipher?: SrtpCipherInternals } } }).srtp?.remoteContext;
    const cipher = remote?.cipher;
    if (!cipher || nativelyDecrypting.has(cipher) || typeof cipher.decryptRtp !== 'function' || !cipher.srtpSessionKey || !cipher.srtpSessionSalt) continue;
    let opener: NativeUnprotector;
    try {
      if (remote.profile === SRTP_AEAD_AES_128_GCM && cipher.aeadAuthTagLen === 16) opener = NativeUnprotector.gcm(addon, cipher.srtpSessionKey, cipher.srtpSessionSalt);
      else if (remote.profile === SRTP_AES128_CM_HMAC_SHA1_80 && cipher.authTagLength === 10 && cipher.srtpSessionAuthTag) {
        opener = NativeUnprotector.cm(addon, cipher.srtpSessionKey, cipher.srtpSessionSalt, cipher.srtpSessionAuthTag);
      } else continue;
    } catch {
      continue; // key material of an unexpected shape: werift's decryption
    }
    nativelyDecrypting.add(cipher);
    openNativelyWith(cipher, opener);
    const original = cipher.decryptRtp.bind(cipher);
    cipher.decryptRtp = (packet, roc, header) => {
      if (!header) return original(packet, roc);
      const rtp = opener.open(packet, roc, header);
      if (!rtp) throw new SrtpAuthenticationError('Failed to authenticate SRTP packet');
      return [rtp, header];
    };
  }
}

/** werift's SRTCP cipher (rtp/src/srtp/cipher/gcm.ts `CipherAesGcm`), the parts replaced here. */
interface SrtcpCipherInternals {
  srtcpSessionKey?: Buffer;
  srtcpSessionSalt?: Buffer;
  aeadAuthTagLen?: number;
  encryptRTCP(packet: Buffer, index: number): Buffer;
  decryptRTCP(packet: Buffer): [Buffer, unknown];
}

const nativeRtcp = new WeakSet<object>();

/** werift's DTLS transport (an `RTCDtlsTransport`) as far as {@link protectRtcp} reads it. */
interface DtlsRtcpInternals {
  srtcp?: { encrypt?(rtcp: Buffer): Buffer };
}

/**
 * `rtcp` (a serialized compound packet) protected by the transport's own SRTCP session (its index
 * per SSRC, and the native cipher once {@link rtcpNatively} ran), for the caller to send itself;
 * undefined when werift's internals differ (then `dtls.sendRtcp` does it, through its ICE stack).
 */
export function protectRtcp(dtls: object, rtcp: Buffer): Buffer | undefined {
  const srtcp = (dtls as unknown as DtlsRtcpInternals).srtcp;
  return typeof srtcp?.encrypt === 'function' ? srtcp.encrypt(rtcp) : undefined;
}

/**
 * Protects and opens `pc`'s RTCP (AEAD_AES_128_GCM) on the native module's pre-keyed contexts
 * from now on, instead of a Node cipher per packet (call it once DTLS is connected; again after
 * a new handshake). werift keeps its SRTCP index per SSRC: the module gets the index werift
 * chose. Other profiles, and a werift whose internals differ, stay on werift's ciphers.
 */
export function rtcpNatively(pc: RTCPeerConnection, addon: NativeAddon): void {
  type Ctx = { profile?: number; cipher?: SrtcpCipherInternals };
  for (const t of pc.dtlsTransports) {
    const srtcp = (t as unknown as { srtcp?: { localContext?: Ctx; remoteContext?: Ctx } }).srtcp;
    const usable = (c: Ctx | undefined): c is Ctx & { cipher: SrtcpCipherInternals & { srtcpSessionKey: Buffer; srtcpSessionSalt: Buffer } } =>
      !!c?.cipher && c.profile === SRTP_AEAD_AES_128_GCM && c.cipher.aeadAuthTagLen === 16 && !nativeRtcp.has(c.cipher) &&
      c.cipher.srtcpSessionKey?.length === 16 && (c.cipher.srtcpSessionSalt?.length ?? 0) >= 12;
    const local = srtcp?.localContext;
    if (usable(local) && typeof local.cipher.encryptRTCP === 'function') {
      const cipher = local.cipher;
      nativeRtcp.add(cipher);
      const ctx = addon.gcm(cipher.srtcpSessionKey, cipher.srtcpSessionSalt.subarray(0, 12));
      const original = cipher.encryptRTCP.bind(cipher);
      cipher.encryptRTCP = (packet, index) => {
        const out = Buffer.allocUnsafe(packet.length + 20);
        const n = addon.protectRtcp(ctx, index, packet, out);
        return n > 0 ? out.subarray(0, n) : original(packet, index);
      };
    }
    const remote = srtcp?.remoteContext;
    if (usable(remote) && typeof remote.cipher.decryptRTCP === 'function') {
      const cipher = remote.cipher;
      nativeRtcp.add(cipher);
      const ctx = addon.gcm(cipher.srtcpSessionKey, cipher.srtcpSessionSalt.subarray(0, 12), true);
      cipher.decryptRTCP = (packet) => {
        const out = Buffer.allocUnsafe(Math.max(0, packet.length - 20));
        const n = addon.unprotectRtcp(ctx, packet, out);
        if (n === 0) throw new SrtpAuthenticationError('Failed to authenticate SRTCP packet');
        return [out.subarray(0, n), undefined];
      };
    }
  }
}
