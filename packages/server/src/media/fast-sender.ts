/**
 * The forwarding hot path. werift negotiates the subscriber connection (ICE, DTLS, SRTP keys);
 * this sender then writes packets itself: a 12-byte header, AES-128-GCM SRTP (RFC 7714) with the
 * session key werift derived, and one `dgram` send of `[header, ciphertext, tag]` on the
 * nominated pair — no packet clone, no header-extension rewrite, no concatenation. It keeps its
 * own history to answer NACKs (with RTX where negotiated) and sends its own sender reports,
 * translated from the publisher's where it has them, so lip-sync survives forwarding.
 * @module
 */
import { createCipheriv } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { RTCRtpSender } from 'werift';
import { seqDiff } from './rewriter.ts';

const NTP_EPOCH_OFFSET_S = 2208988800;
const HISTORY = 1024;

/** What a sender report needs to know about the source clock. */
export interface ClockSync {
  /** Publisher's last SR: wall-clock ms (Unix) and RTP timestamp, and when it arrived (performance.now()). */
  sr: { ntpMs: number; rtp: number; atMs: number } | undefined;
  /** Codec clock rate. */
  clockRate: number;
  /** Output timestamp = input + offset (mod 2^32). */
  tsOffset: number;
}

interface Sent {
  seq: number;
  ts: number;
  marker: boolean;
  payload: Buffer | undefined;
}

/** werift internals the fast path reads (stable across 0.25.x; checked at run time). */
interface WeriftSenderInternals {
  ssrc: number;
  rtxSsrc: number;
  rtxPayloadType: number | undefined;
  codec: { payloadType: number } | undefined;
  cname: string | undefined;
  dtlsTransport:
    | {
        state: string;
        srtp?: { localContext?: { cipher?: { srtpSessionKey?: Buffer; srtpSessionSalt?: Buffer; aeadAuthTagLen?: number } } };
        iceTransport: {
          connection: {
            canSendApplicationData(): boolean;
            nominated?: { remoteAddr: readonly [string, number]; protocol: { transport: { socket?: Socket; closed?: boolean } } };
          };
        };
        sendRtcp(packets: { serialize(): Buffer }[]): Promise<void>;
      }
    | undefined;
}

/** Writes one outgoing stream (one SSRC of a subscriber connection). */
export class FastRtpSender {
  readonly #sender: WeriftSenderInternals;
  #key: Buffer | undefined;
  readonly #salt = Buffer.alloc(12);
  readonly #iv = Buffer.alloc(12);
  #roc = 0;
  #rtxRoc = 0;
  #lastSeq = -1;
  #rtxSeq = Math.floor(Math.random() * 0xffff);
  #lastRtxSeq = -1;
  readonly #history: Sent[] = Array.from({ length: HISTORY }, () => ({ seq: -1, ts: 0, marker: false, payload: undefined }));
  #lastTs = 0;
  #lastSendMs = 0;
  /** Packets and payload bytes sent (for sender reports). */
  packets = 0;
  octets = 0;
  /** Retransmissions sent. */
  retransmitted = 0;
  /** False when the negotiated profile is not AES-GCM: the caller falls back to werift's path. */
  supported = true;
  readonly #dropEvery: number;
  #sentCount = 0;

  /** @param testLossPercent fault injection for tests: drop this share of media packets (kept for NACK) */
  constructor(sender: RTCRtpSender, testLossPercent = 0) {
    this.#sender = sender as unknown as WeriftSenderInternals;
    this.#dropEvery = testLossPercent > 0 ? Math.max(2, Math.round(100 / testLossPercent)) : 0;
  }

  /** True once DTLS is up and the keys are known. */
  ready(): boolean {
    if (this.#key) return this.#sender.dtlsTransport?.state === 'connected';
    const dtls = this.#sender.dtlsTransport;
    if (!dtls || dtls.state !== 'connected' || !this.#sender.codec) return false;
    const cipher = dtls.srtp?.localContext?.cipher;
    if (!cipher?.srtpSessionKey || !cipher.srtpSessionSalt || cipher.aeadAuthTagLen !== 16) {
      this.supported = false;
      return false;
    }
    this.#key = cipher.srtpSessionKey;
    cipher.srtpSessionSalt.copy(this.#salt, 0, 0, 12);
    return true;
  }

  /** Sends one media packet; returns false when it could not (not ready, no route). */
  send(seq: number, ts: number, marker: boolean, payload: Buffer, keepForNack: boolean, now = performance.now()): boolean {
    if (!this.ready()) return false;
    if (this.#lastSeq >= 0 && seqDiff(this.#lastSeq, seq) > 0 && seq < this.#lastSeq) this.#roc++;
    const late = this.#lastSeq >= 0 && seqDiff(this.#lastSeq, seq) < 0;
    const roc = late && seq > this.#lastSeq ? this.#roc - 1 : this.#roc;
    if (!late) {
      this.#lastSeq = seq;
      this.#lastTs = ts;
      this.#lastSendMs = now;
    }
    const s = this.#sender;
    if (keepForNack) {
      const h = this.#history[seq % HISTORY]!;
      h.seq = seq;
      h.ts = ts;
      h.marker = marker;
      h.payload = payload;
    }
    if (this.#dropEvery && ++this.#sentCount % this.#dropEvery === 0) return true;
    if (!this.#write(s.codec!.payloadType, seq, ts, marker, s.ssrc, roc, payload, undefined)) return false;
    this.packets++;
    this.octets += payload.length;
    return true;
  }

  /** Answers a NACK from history: RTX when negotiated, else the same packet again. */
  retransmit(lost: readonly number[]): void {
    if (!this.ready()) return;
    const s = this.#sender;
    for (const seq of lost) {
      const h = this.#history[seq % HISTORY]!;
      if (h.seq !== seq || !h.payload) continue;
      if (s.rtxPayloadType === undefined) {
        this.#write(s.codec!.payloadType, seq, h.ts, h.marker, s.ssrc, this.#roc, h.payload, undefined);
      } else {
        const rtxSeq = this.#rtxSeq;
        this.#rtxSeq = (this.#rtxSeq + 1) & 0xffff;
        if (this.#lastRtxSeq >= 0 && rtxSeq < this.#lastRtxSeq) this.#rtxRoc++;
        this.#lastRtxSeq = rtxSeq;
        const osn = Buffer.allocUnsafe(2);
        osn.writeUInt16BE(seq, 0);
        this.#write(s.rtxPayloadType, rtxSeq, h.ts, h.marker, s.rtxSsrc, this.#rtxRoc, h.payload, osn);
      }
      this.retransmitted++;
    }
  }

  #write(pt: number, seq: number, ts: number, marker: boolean, ssrc: number, roc: number, payload: Buffer, prefix: Buffer | undefined): boolean {
    const conn = this.#sender.dtlsTransport!.iceTransport.connection;
    const pair = conn.nominated;
    const socket = pair?.protocol.transport.socket;
    if (!pair || !socket || pair.protocol.transport.closed || !conn.canSendApplicationData()) return false;
    const header = Buffer.allocUnsafe(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(ts >>> 0, 4);
    header.writeUInt32BE(ssrc >>> 0, 8);
    // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt
    const iv = this.#iv;
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(ssrc >>> 0, 2);
    iv.writeUInt32BE(roc >>> 0, 6);
    iv.writeUInt16BE(seq, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= this.#salt[i]!;
    const cipher = createCipheriv('aes-128-gcm', this.#key!, iv);
    cipher.setAAD(header);
    const parts: Buffer[] = [header];
    if (prefix) parts.push(cipher.update(prefix));
    parts.push(cipher.update(payload));
    cipher.final();
    parts.push(cipher.getAuthTag());
    try {
      socket.send(parts, pair.remoteAddr[1], pair.remoteAddr[0]);
    } catch {
      return false;
    }
    return true;
  }

  /** Sends a sender report (with SDES CNAME) mapping wall clock to this stream's timestamps. */
  sendReport(clock: ClockSync): void {
    const dtls = this.#sender.dtlsTransport;
    if (!this.#key || !dtls || dtls.state !== 'connected' || this.packets === 0) return;
    const now = performance.now();
    let ntpMs: number;
    let rtp: number;
    if (clock.sr) {
      const elapsed = now - clock.sr.atMs;
      ntpMs = clock.sr.ntpMs + elapsed;
      rtp = (clock.sr.rtp + Math.round((elapsed * clock.clockRate) / 1000) + clock.tsOffset) % 0x100000000;
    } else {
      ntpMs = Date.now();
      rtp = (this.#lastTs + Math.round(((now - this.#lastSendMs) * clock.clockRate) / 1000)) % 0x100000000;
    }
    const cname = Buffer.from(this.#sender.cname ?? 'rtcroom');
    const sdesLen = 4 + 4 + 2 + cname.length + 1; // header + ssrc + item + end
    const sdesPadded = Math.ceil(sdesLen / 4) * 4;
    const buf = Buffer.alloc(28 + sdesPadded);
    buf[0] = 0x80;
    buf[1] = 200;
    buf.writeUInt16BE(6, 2);
    buf.writeUInt32BE(this.#sender.ssrc >>> 0, 4);
    const secs = ntpMs / 1000 + NTP_EPOCH_OFFSET_S;
    buf.writeUInt32BE(Math.floor(secs) >>> 0, 8);
    buf.writeUInt32BE(Math.floor((secs % 1) * 0x100000000) >>> 0, 12);
    buf.writeUInt32BE(rtp >>> 0, 16);
    buf.writeUInt32BE(this.packets >>> 0, 20);
    buf.writeUInt32BE(this.octets >>> 0, 24);
    buf[28] = 0x81;
    buf[29] = 202;
    buf.writeUInt16BE(sdesPadded / 4 - 1, 30);
    buf.writeUInt32BE(this.#sender.ssrc >>> 0, 32);
    buf[36] = 1; // CNAME
    buf[37] = cname.length;
    cname.copy(buf, 38);
    dtls.sendRtcp([{ serialize: () => buf }]).catch(() => undefined);
  }
}
