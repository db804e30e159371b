// A headless werift subscriber that offers only the DTLS-SRTP profile AES_CM_128_HMAC_SHA1_80 (as
// aiortc 1.4 and older clients do) and times the first VP8 keyframe that arrives intact.
import type { RTCPeerConnection, RtpPacket } from 'werift';
import { Signal, type JoinSpec } from '../../bench/lib/headless-client.ts';
import { gathered, loopbackOnly, subscriberPeer } from '../../bench/lib/werift-media.ts';

/** werift's number for SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2). */
const SHA1_80 = 0x0001;

/** What one join saw. */
export interface KeyframeTiming {
  /** From the subscriber's transport connecting to the last packet of its first intact keyframe, ms. */
  connectedToKeyframeMs: number;
  /** SRTP profile the subscriber's DTLS transport negotiated (werift's number). */
  profile: number | undefined;
  /** Whether every video packet came without header extensions, as the server's fast path writes them (werift's path adds the mid). */
  fastPath: boolean;
  /** Video packets received. */
  videoPackets: number;
}

/**
 * Restricts werift's DTLS transports to SHA1_80. werift 0.25.2 has no configuration for this (its
 * `dtls` option takes keys only; the profile list is a module constant handed to each transport), so
 * the transports' own list is replaced after they are created and before DTLS starts (the answer).
 */
function onlySha1(pc: RTCPeerConnection): void {
  for (const t of pc.dtlsTransports) (t as unknown as { srtpProfiles: number[] }).srtpProfiles = [SHA1_80];
}

/** RFC 7741: the VP8 payload (after the descriptor) and whether the packet starts a frame (S=1, PID=0). */
function vp8(payload: Buffer): { start: boolean; body: Buffer } | undefined {
  if (payload.length < 1) return undefined;
  const b0 = payload[0]!;
  let off = 1;
  if (b0 & 0x80) {
    const x = payload[off++]!;
    if (x & 0x80) off += payload[off]! & 0x80 ? 2 : 1; // I: picture id, 7 or 15 bits
    if (x & 0x40) off++; // L: TL0PICIDX
    if (x & 0x30) off++; // T/K: TID/KEYIDX
  }
  if (off > payload.length) return undefined;
  return { start: (b0 & 0x10) !== 0 && (b0 & 0x07) === 0, body: payload.subarray(off) };
}

/** True when `body` begins a VP8 keyframe (RFC 6386 §9.1: P bit clear, start code 9d 01 2a). */
function isKeyframeStart(body: Buffer): boolean {
  return body.length >= 10 && (body[0]! & 0x01) === 0 && body[3] === 0x9d && body[4] === 0x01 && body[5] === 0x2a;
}

/** Watches one video stream for its first keyframe whose packets all arrived, start to marker. */
class KeyframeWatch {
  #start: { ts: number; seq: number } | undefined;
  #seqs = new Set<number>();
  #end: number | undefined;
  done = false;

  /** Feeds a packet; true once the first intact keyframe is complete. */
  add(p: RtpPacket): boolean {
    if (this.done) return true;
    const v = vp8(p.payload);
    if (!v) return false;
    const { timestamp: ts, sequenceNumber: seq, marker } = p.header;
    if (v.start && isKeyframeStart(v.body) && this.#start?.ts !== ts) {
      this.#start = { ts, seq };
      this.#seqs = new Set([seq]);
      this.#end = marker ? seq : undefined;
    } else if (this.#start?.ts === ts) {
      this.#seqs.add(seq);
      if (marker) this.#end = seq;
    }
    if (!this.#start || this.#end === undefined) return false;
    const n = ((this.#end - this.#start.seq) & 0xffff) + 1;
    for (let i = 0; i < n; i++) if (!this.#seqs.has((this.#start.seq + i) & 0xffff)) return false;
    this.done = true;
    return true;
  }
}

/**
 * Joins `spec.roomId` as a SHA1_80-only subscriber and resolves with the timing of its first intact
 * VP8 keyframe, or undefined if none completes within `timeoutMs` of joining. Leaves the room after.
 */
export async function sha1KeyframeTiming(spec: JoinSpec, timeoutMs: number): Promise<KeyframeTiming | undefined> {
  const signal = await Signal.connect(spec.wsUrl);
  let pc: RTCPeerConnection | undefined;
  let pcId: number | undefined;
  let connectedAt: number | undefined;
  let fastPath = true;
  let videoPackets = 0;
  const watch = new KeyframeWatch();
  let done: (at: number) => void = () => undefined;
  const keyframeAt = new Promise<number>((resolve) => (done = resolve));
  const answer = async (offer: { pcId: number; offerId: number; sdp: string }): Promise<void> => {
    if (offer.pcId !== pcId) {
      await pc?.close();
      pcId = offer.pcId;
      const fresh = subscriberPeer();
      pc = fresh;
      fresh.connectionStateChange.subscribe((s) => {
        if (s === 'connected' && connectedAt === undefined) connectedAt = performance.now();
      });
      fresh.onTrack.subscribe((track) => {
        if (track.kind !== 'video') return;
        track.onReceiveRtp.subscribe((p) => {
          videoPackets++;
          if (p.header.extension) fastPath = false;
          if (watch.add(p)) done(performance.now());
        });
      });
    }
    const cur = pc!;
    await cur.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    onlySha1(cur);
    await cur.setLocalDescription(await cur.createAnswer());
    await gathered(cur);
    await signal.request('subscriberAnswer', { offerId: offer.offerId, sdp: loopbackOnly(cur.localDescription!.sdp) });
  };
  // offers are answered one after another, as the server serialises them
  let chain = Promise.resolve();
  signal.onEvent = (f) => {
    if (f.event === 'subscriberOffer') chain = chain.then(() => answer(f.data)).catch(() => undefined);
  };
  try {
    await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoPublish: false, autoSubscribe: true } });
    let expire: () => void = () => undefined;
    const expired = new Promise<undefined>((r) => (expire = () => r(undefined)));
    const timer = setTimeout(() => expire(), timeoutMs);
    const at = await Promise.race([keyframeAt, expired]);
    clearTimeout(timer);
    if (at === undefined || connectedAt === undefined) return undefined;
    const dtls = pc?.dtlsTransports[0] as unknown as { srtp?: { localContext?: { profile?: number } } } | undefined;
    return { connectedToKeyframeMs: at - connectedAt, profile: dtls?.srtp?.localContext?.profile, fastPath, videoPackets };
  } finally {
    await signal.request('exitRtcRoom', { roomId: spec.roomId }).catch(() => undefined);
    signal.close();
    await pc?.close();
  }
}
