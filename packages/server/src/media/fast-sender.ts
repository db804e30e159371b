/**
 * The forwarding hot path. werift negotiates the subscriber connection (ICE, DTLS, SRTP keys);
 * this sender then writes packets itself: a 12-byte header, SRTP with the session keys werift
 * derived — AES-128-GCM (RFC 7714) or AES_CM_128_HMAC_SHA1_80 (RFC 3711), whichever DTLS
 * negotiated — and one `dgram` send of `[header, ciphertext, tag]` on the nominated pair: no
 * packet clone, no header-extension rewrite, no concatenation. On the native send path
 * (`native/`) the packet is protected on the stream's pre-keyed OpenSSL context straight into
 * a queue that leaves by `sendmmsg` at the end of the event-loop turn. It keeps its own history to
 * answer NACKs (with RTX where negotiated) and sends its own sender reports, translated from the
 * publisher's where it has them, so lip-sync survives forwarding.
 *
 * The path is decided once per SRTP session, on the first packet after DTLS connected: a
 * profile this file cannot write sends every packet of the leg through werift instead
 * ({@link FastRtpSender.path}), so no packet is lost to the decision.
 * @module
 */
import type { RTCRtpSender } from 'werift';
import { seqDiff } from './rewriter.ts';
import { mediaCounts } from './metrics.ts';
import type { RtpProtector } from './srtp-protect.ts';
import { protectorFor } from './session-protector.ts';
import type { NativeAddon } from './native/addon.ts';
import type { ExpressRoute, SenderState } from './express-lane.ts';
import { NativeProtector } from './native/native-protector.ts';
import { applyPatch, NO_PATCH } from './payload-patch.ts';
import { RETRANSMIT_SLOTS, RetransmitBuffer } from './retransmit-buffer.ts';
import { LegRoute, type WeriftSenderInternals } from './leg-route.ts';
import { protectRtcp } from './werift-adapter.ts';

/**
 * Transport-wide congestion control of a connection (`downlink-cc.ts`): numbers its packets and
 * keeps retransmissions within what the link can take.
 */
export interface TransportSequencer {
  /** The sequence number of a packet of `bytes` sent at `nowMs` (recorded for the estimate). */
  next(bytes: number, nowMs: number, probeCluster?: number): number;
  /** Whether a retransmission of `bytes` fits the connection's retransmission budget now. */
  allowRetransmit(bytes: number, nowMs: number): boolean;
  /** Least time between two retransmissions of one packet (ms): about a round trip. */
  readonly resendIntervalMs: number;
  /** A packet left without a sequence number (the subscriber did not negotiate transport-wide CC). */
  sentUnnumbered(): void;
  /** The numbering block shared with the native fan-out (see `DownlinkCc.sharedBlock`), where there is one. */
  sharedBlock?(): Buffer;
  /** Records what the native fan-out numbered (see `DownlinkCc.drainShared`). */
  drainShared?(): void;
}

/** Least time between two retransmissions of one packet without congestion control (ms). */
const RESEND_INTERVAL_MS = 50;

const NTP_EPOCH_OFFSET_S = 2208988800;
/** Size of a padding-only probe packet's payload: all padding, its last byte the count (≤ 255). */
const PADDING_BYTES = 224;
const PADDING = Buffer.alloc(PADDING_BYTES);
PADDING[PADDING_BYTES - 1] = PADDING_BYTES;
/** Header scratch of the native path (which copies the header as it protects): no Buffer per packet. */
const SCRATCH_HEADER = Buffer.alloc(12);
const SCRATCH_HEADER_TWCC = Buffer.alloc(20);
/** RTX's original sequence number: both protectors encrypt it into a Buffer of their own, so one serves every packet. */
const SCRATCH_OSN = Buffer.alloc(2);

/** What a sender report needs to know about the source clock. */
export interface ClockSync {
  /** Publisher's last SR: wall-clock ms (Unix) and RTP timestamp, and when it arrived (performance.now()). */
  sr: { ntpMs: number; rtp: number; atMs: number } | undefined;
  /** Codec clock rate. */
  clockRate: number;
  /** Output timestamp = input + offset (mod 2^32). */
  tsOffset: number;
}

/**
 * How a packet of this leg leaves: `'wait'` while DTLS is not connected (neither path could send),
 * `'fast'` through {@link FastRtpSender.send}, `'werift'` through werift's `sendRtp` (a profile
 * the fast path does not write).
 */
export type SendPath = 'wait' | 'fast' | 'werift';

/** Writes one outgoing stream (one SSRC of a subscriber connection). */
export class FastRtpSender extends LegRoute {
  readonly #sender: WeriftSenderInternals;
  /** The werift SRTP session the path was decided for. */
  #session: object | undefined;
  #protector: RtpProtector | undefined;
  /** The protector when it is native (it also queues for `sendmmsg`). */
  #native: NativeProtector | undefined;
  readonly #addon: NativeAddon | undefined;
  #path: SendPath = 'wait';
  #roc = 0;
  #rtxRoc = 0;
  #lastSeq = -1;
  #rtxSeq = Math.floor(Math.random() * 0xffff);
  #lastRtxSeq = -1;
  readonly #history = new RetransmitBuffer();
  #lastTs = 0;
  #lastSendMs = 0;
  /** Packets and payload bytes sent (for sender reports). */
  packets = 0;
  octets = 0;
  /** Retransmissions sent. */
  retransmitted = 0;
  readonly #dropEvery: number;
  #sentCount = 0;
  readonly #cc: TransportSequencer | undefined;
  /** The probe the packets being written belong to (-1: none). */
  #probeCluster = -1;

  /**
   * @param testLossPercent fault injection for tests: drop this share of media packets (kept for NACK)
   * @param cc numbers every packet for transport-wide congestion control, where negotiated
   * @param native the native module, on the native send path (`media/native/`)
   */
  constructor(sender: RTCRtpSender, testLossPercent = 0, cc?: TransportSequencer, native?: NativeAddon) {
    super(sender as unknown as WeriftSenderInternals, cc !== undefined);
    this.#sender = sender as unknown as WeriftSenderInternals;
    this.#addon = native;
    this.#dropEvery = testLossPercent > 0 ? Math.max(2, Math.round(100 / testLossPercent)) : 0;
    this.#cc = cc;
  }

  /**
   * Which path a packet takes now. Decided once per werift SRTP session — the first call after
   * DTLS connected reads the negotiated profile — and `'wait'` while DTLS is not connected.
   */
  path(now = performance.now()): SendPath {
    // a kept route was read on the fast path, and DTLS has not changed state since
    if (this.fresh(now)) return 'fast';
    const dtls = this.#sender.dtlsTransport;
    if (!dtls || dtls.state !== 'connected' || !this.#sender.codec) return 'wait';
    const srtp = dtls.srtp;
    if (srtp !== this.#session) {
      if (!srtp) return 'wait';
      if (this.#session) {
        // a new SRTP session (new DTLS handshake): its receiver starts a new crypto context, ROC 0
        this.#roc = this.#rtxRoc = 0;
        this.#lastSeq = this.#lastRtxSeq = -1;
      }
      this.#session = srtp;
      this.#protector = protectorFor(srtp.localContext, this.#addon);
      this.#native = this.#protector instanceof NativeProtector ? this.#protector : undefined;
      this.#path = this.#protector ? 'fast' : 'werift';
    }
    return this.#path;
  }

  /** The native module, on the native send path. */
  get native(): NativeAddon | undefined {
    return this.#addon;
  }

  /**
   * The route the native fan-out can send this stream on now, as this sender would; undefined
   * when it cannot: not the native protector, an ICE-TCP pair or an IPv6 address, DTLS not up, or
   * test loss injected.
   */
  expressRoute(now: number): ExpressRoute | undefined {
    const native = this.#expressNative(now);
    const r = native?.route(this.socket!, this.to);
    if (!r) return undefined;
    return { ctx: r.ctx, socket: r.socket, ip: r.ip, port: this.to[1], ssrc: this.ssrc, pt: this.pt, ccId: this.ccId, ccBlock: this.#ccBlock() };
  }

  /**
   * Whether {@link expressRoute} would now give a route that sends as `route` does (the lane's
   * periodic check, four times a second per member: no object made).
   */
  stillExpress(now: number, route: ExpressRoute): boolean {
    const native = this.#expressNative(now);
    if (!native || !native.routes(this.socket!, this.to, route.ctx, route.socket, route.ip)) return false;
    return route.port === this.to[1] && route.ssrc === this.ssrc && route.pt === this.pt && route.ccId === this.ccId && route.ccBlock === this.#ccBlock();
  }

  /** The native protector when the stream can go express (see {@link expressRoute}); the socket is then set. */
  #expressNative(now: number): NativeProtector | undefined {
    if (this.#dropEvery || this.path(now) !== 'fast' || !this.ready(now) || !this.socket) return undefined;
    // numbered packets need the connection's shared counter
    if (this.ccId && !this.#cc?.sharedBlock) return undefined;
    return this.#native;
  }

  /** The connection's numbering block, when this stream's packets are numbered. */
  #ccBlock(): Buffer | undefined {
    return this.ccId ? this.#cc!.sharedBlock!() : undefined;
  }

  /** Hands what the native fan-out numbered on this connection to its send history. */
  drainNumbering(): void {
    this.#cc?.drainShared?.();
  }

  /** This stream's sending state (for the native fan-out to go on from). */
  exportState(): SenderState {
    return { lastSeq: this.#lastSeq, roc: this.#roc, lastTs: this.#lastTs, lastSendMs: this.#lastSendMs, packets: this.packets, octets: this.octets };
  }

  /** Takes over the state the native fan-out reached (sender reports, and sending on from where it stopped). */
  importState(state: SenderState): void {
    this.#lastSeq = state.lastSeq;
    this.#roc = state.roc;
    this.#lastTs = state.lastTs;
    this.#lastSendMs = state.lastSendMs;
    this.packets = state.packets;
    this.octets = state.octets;
  }

  /** The SRTP profile the fast path writes, once decided (undefined: not yet, or werift's path). */
  get profile(): RtpProtector['profile'] | undefined {
    return this.#path === 'fast' ? this.#protector?.profile : undefined;
  }

  /**
   * Sends one media packet on the fast path; returns false when it could not (not connected, no
   * route, or the leg is on werift's path: callers check {@link path} first).
   */
  send(seq: number, ts: number, marker: boolean, payload: Buffer, keepForNack: boolean, now = performance.now()): boolean {
    if (this.path() !== 'fast') return false;
    return this.sendOnFastPath(seq, ts, marker, payload, keepForNack, now);
  }

  /**
   * {@link send} for a caller that has just seen {@link path} return `'fast'` (the hot path: the
   * path is checked once per packet, not twice). `patchA`/`patchB`: this subscriber's
   * overwrites of the shared payload (VP8 picture ids), applied while it is encrypted.
   */
  sendOnFastPath(seq: number, ts: number, marker: boolean, payload: Buffer, keepForNack: boolean, now: number, patchA = NO_PATCH, patchB = NO_PATCH): boolean {
    if (this.#lastSeq >= 0 && seqDiff(this.#lastSeq, seq) > 0 && seq < this.#lastSeq) this.#roc++;
    const late = this.#lastSeq >= 0 && seqDiff(this.#lastSeq, seq) < 0;
    const roc = late && seq > this.#lastSeq ? this.#roc - 1 : this.#roc;
    if (!late) {
      this.#lastSeq = seq;
      this.#lastTs = ts;
      this.#lastSendMs = now;
    }
    if (keepForNack) this.#history.put(seq, ts, marker, payload, patchA, patchB);
    if (this.#dropEvery && ++this.#sentCount % this.#dropEvery === 0) return true;
    if (!this.ready(now)) return false;
    if (!this.#write(this.pt, seq, ts, marker, this.ssrc, roc, payload, undefined, patchA, patchB)) return false;
    this.packets++;
    this.octets += payload.length;
    return true;
  }

  /**
   * Answers a NACK from history: RTX when negotiated, else the same packet again. A packet is
   * resent at most once a round trip (a NACK repeated before the first answer could arrive is
   * not answered twice), and within the connection's retransmission budget: under congestion,
   * answering every NACK would add to the loss that caused them.
   */
  retransmit(lost: readonly number[]): void {
    const now = performance.now();
    if (this.path(now) !== 'fast' || !this.ready(now)) return;
    const s = this.#sender;
    const cc = this.#cc;
    const interval = cc ? cc.resendIntervalMs : RESEND_INTERVAL_MS;
    const h = this.#history;
    for (const seq of lost) {
      const i = h.slot(seq);
      if (i < 0 || now - h.resentAt(i) < interval) continue;
      if (cc && !cc.allowRetransmit(h.payload(i).length + 22, now)) break;
      h.markResent(i, now);
      // the index the packet was first sent under: this ROC, or the previous one across a wrap
      const roc = seq > this.#lastSeq && this.#roc > 0 ? this.#roc - 1 : this.#roc;
      if (s.rtxPayloadType === undefined) this.#write(this.pt, seq, h.ts(i), h.marker(i), this.ssrc, roc, h.payload(i), undefined, h.patchA(i), h.patchB(i));
      else this.#rtx(seq, i);
      this.retransmitted++;
      mediaCounts.retransmitted++;
    }
  }

  /** Sends the packet in history slot `i` (sequence `seq`) again on the RTX stream (RFC 4588). */
  #rtx(seq: number, i: number): boolean {
    const s = this.#sender;
    const h = this.#history;
    const rtxSeq = this.#nextRtxSeq();
    const osn = SCRATCH_OSN;
    osn.writeUInt16BE(seq, 0);
    return this.#write(s.rtxPayloadType!, rtxSeq, h.ts(i), h.marker(i), s.rtxSsrc, this.#rtxRoc, h.payload(i), osn, h.patchA(i), h.patchB(i));
  }

  /**
   * Puts packet `seq`, sent by other means (the express lane), in the history unless the history
   * holds it: a NACK for it can then be answered.
   */
  remember(seq: number, ts: number, marker: boolean, payload: Buffer, patchA: number, patchB: number): void {
    if (this.#history.slot(seq) < 0) this.#history.put(seq, ts, marker, payload, patchA, patchB);
  }

  /**
   * Answers no NACK for what was sent so far (the stream switched to another layer: the
   * receiver needs the new layer's keyframe, not the old layer's lost packets).
   */
  forgetHistory(): void {
    this.#history.clear();
  }

  /**
   * Sends about `bytes` of probe traffic for the bandwidth estimator (`cluster`: its probe id):
   * retransmissions (RTX) of the latest packets in the history, which the receiver discards as
   * duplicates, then padding-only RTX packets when the history runs short (a paused or stepped
   * down video has none: the probe that would bring it back must not depend on it). Returns the
   * bytes sent (0 without RTX, or off the fast path).
   */
  probe(bytes: number, cluster: number): number {
    const now = performance.now();
    if (this.path(now) !== 'fast' || this.#sender.rtxPayloadType === undefined || !this.ready(now)) return 0;
    let sent = 0;
    this.#probeCluster = cluster;
    try {
      for (let back = 0; this.#lastSeq >= 0 && back < RETRANSMIT_SLOTS && sent < bytes; back++) {
        const seq = (this.#lastSeq - back) & 0xffff;
        const i = this.#history.slot(seq);
        if (i < 0) continue;
        if (!this.#rtx(seq, i)) return sent;
        sent += 22 + this.#history.payload(i).length;
      }
      while (sent < bytes) {
        if (!this.#rtxPadding()) break;
        sent += 12 + PADDING_BYTES;
      }
    } finally {
      this.#probeCluster = -1;
    }
    return sent;
  }

  /** Sends one padding-only packet on the RTX stream (RFC 3550 §5.1 padding, no payload). */
  #rtxPadding(): boolean {
    const rtxSeq = this.#nextRtxSeq();
    return this.#write(this.#sender.rtxPayloadType!, rtxSeq, this.#lastTs, false, this.#sender.rtxSsrc, this.#rtxRoc, PADDING, undefined, NO_PATCH, NO_PATCH, true);
  }

  /** The next sequence number of the RTX stream (advancing its rollover counter). */
  #nextRtxSeq(): number {
    const rtxSeq = this.#rtxSeq;
    this.#rtxSeq = (this.#rtxSeq + 1) & 0xffff;
    if (this.#lastRtxSeq >= 0 && rtxSeq < this.#lastRtxSeq) this.#rtxRoc++;
    this.#lastRtxSeq = rtxSeq;
    return rtxSeq;
  }

  /** Writes one packet on the route; callers have checked {@link LegRoute.ready} in this turn. */
  #write(pt: number, seq: number, ts: number, marker: boolean, ssrc: number, roc: number, payload: Buffer, prefix: Buffer | undefined, patchA: number, patchB: number, padded = false): boolean {
    const ccId = this.ccId;
    if (!ccId) this.#cc?.sentUnnumbered();
    const native = this.#native;
    // the JS protector keeps the header as the datagram's first part: a Buffer of its own
    const header = native ? (ccId ? SCRATCH_HEADER_TWCC : SCRATCH_HEADER) : Buffer.allocUnsafe(ccId ? 20 : 12);
    header[0] = (ccId ? 0x90 : 0x80) | (padded ? 0x20 : 0);
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(ts >>> 0, 4);
    header.writeUInt32BE(ssrc >>> 0, 8);
    if (ccId) {
      // one-byte header extension block (RFC 8285): the transport-wide sequence number
      header[12] = 0xbe;
      header[13] = 0xde;
      header[14] = 0;
      header[15] = 1;
      header[16] = (ccId << 4) | 1;
      header.writeUInt16BE(this.#cc!.next(20 + (prefix?.length ?? 0) + payload.length, performance.now(), this.#probeCluster), 17);
      header[19] = 0;
    }
    // encryption copies the payload: this subscriber's ids are in place only meanwhile
    const undoA = applyPatch(payload, patchA);
    const undoB = applyPatch(payload, patchB);
    // native: protected into the sendmmsg queue (sent at the end of this event-loop turn)
    const socket = this.socket;
    const to = this.to;
    const queued = socket !== undefined && native !== undefined && native.queue(socket, to, header, ssrc, roc, seq, prefix, payload);
    const parts = queued ? undefined : this.#protector!.protect(header, ssrc, roc, seq, prefix, payload);
    applyPatch(payload, undoB);
    applyPatch(payload, undoA);
    if (!parts) return true;
    try {
      if (socket) socket.send(parts, to[1], to[0]);
      else void this.pair!.protocol.sendData!(Buffer.concat(parts), to).catch(() => undefined);
    } catch {
      return false;
    }
    return true;
  }

  /** Sends a sender report (with SDES CNAME) mapping wall clock to this stream's timestamps; false when it could not (not connected, nothing sent yet). */
  sendReport(clock: ClockSync): boolean {
    const dtls = this.#sender.dtlsTransport;
    if (this.#path !== 'fast' || !dtls || dtls.state !== 'connected' || this.packets === 0) return false;
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
    // protected by the transport's SRTCP session and sent on the route as media is: werift's
    // sendRtcp goes through its ICE stack, a chain of promises per report
    const protectedSr = this.ready(now) ? protectRtcp(dtls, buf) : undefined;
    if (!protectedSr) {
      dtls.sendRtcp([{ serialize: () => buf }]).catch(() => undefined);
      return true;
    }
    const socket = this.socket;
    try {
      if (socket) socket.send([protectedSr], this.to[1], this.to[0]);
      else void this.pair?.protocol.sendData?.(protectedSr, this.to).catch(() => undefined);
    } catch {
      return false;
    }
    return true;
  }
}
