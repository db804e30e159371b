/**
 * Transport-wide congestion-control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01,
 * RTCP RTPFB PT=205 FMT=15) generated for a publisher's transport, replacing werift's, which
 * Chromium's bandwidth estimator cannot use.
 *
 * Wire layout (all big-endian):
 * ```
 *  |V=2|P|FMT=15|PT=205|length|  sender SSRC  |  media SSRC  |
 *  | base seq (16) | status count (16) | reference time (24, ×64 ms) | fb pkt count (8) |
 *  | packet chunks (16 bits each) ... | receive deltas (8 or 16 bits each) ... | zero pad |
 * ```
 * The chunk/delta area is padded with zero bytes to a 32-bit boundary without setting P
 * (as the draft's figure shows; libwebrtc ignores bytes after the last delta). The decoder
 * also accepts P=1 padding.
 * @module
 */

import { seqDiff } from '../rewriter.ts';

/** Status of one transport-wide sequence number in a feedback packet. */
export interface TwccPacketStatus {
  /** 16-bit transport-wide sequence number. */
  seq: number;
  /** Whether the packet arrived. */
  received: boolean;
  /** Receive delta in µs (multiple of 250), present iff received. */
  deltaUs?: number;
}

/** Decoded feedback, for tests and debugging (also the encoder's input). */
export interface TwccFeedback {
  /** SSRC of the feedback's sender. */
  senderSsrc: number;
  /** SSRC of the media source. */
  mediaSsrc: number;
  /** Sequence number of the first status. */
  baseSeq: number;
  /** Number of statuses (= packets.length). */
  statusCount: number;
  /** Reference time in units of 64 ms, 24-bit signed on the wire (the encoder wraps it). */
  referenceTime: number;
  /** Feedback packet count, 8 bits. */
  fbPktCount: number;
  /** One status per sequence number from baseSeq on. */
  packets: TwccPacketStatus[];
}

/** Options of {@link TwccFeedbackGenerator}. */
export interface TwccFeedbackOptions {
  /** SSRC written as the feedback's sender SSRC. */
  senderSsrc: number;
  /** Sends one serialized (unencrypted) RTCP packet. */
  send: (rtcp: Buffer) => void;
  /** Initial {@link TwccFeedbackGenerator.mediaSsrc} (default 0, which Chromium ignores: set it). */
  mediaSsrc?: number;
  /** Flush period in ms (default 50). */
  intervalMs?: number;
  /** Clock in ms, default performance.now. */
  now?: () => number;
  /** Max packet statuses per feedback packet (default 500; more → several packets). */
  maxStatusesPerPacket?: number;
}

/** RTCP transport-layer feedback (RTPFB, RFC 4585) and its transport-wide CC format. */
export const RTPFB = 205;
export const FMT_TWCC = 15;
const HEADER = 20;
const TICK_US = 250;
const REF_MS = 64;
const REF_WRAP = 1 << 24;
const MAX_RUN = 0x1fff;
/** At most this many sequence numbers are pending; older unreported ones are dropped. */
const MAX_WINDOW = 4096;
/**
 * Nothing arrived for this long while the sender went on numbering packets: an outage (a cut
 * link, a network switch), not congestion (ms). What was sent meanwhile is not reported as lost:
 * Chromium's loss-based estimate took such a report as a congested link and fell from 1.6 Mbps
 * to 135 kbps after a 3 s cut, and its top simulcast layer stopped for seconds. A publisher
 * sends 50 audio packets a second; a sender idle on purpose leaves no gap in its numbers.
 */
export const OUTAGE_MS = 1000;

/** Wraps a reference time into the 24-bit wire field (two's complement). */
function wrapRef(ref: number): number {
  return ((ref % REF_WRAP) + REF_WRAP) % REF_WRAP;
}

/**
 * Chooses packet chunks for a list of 2-bit symbols (0 lost, 1 small delta, 2 large delta):
 * run-length chunks for runs of ≥ 14 (or a run ending the list), one-bit vectors when the next
 * 14 symbols are all 0/1, run-length for runs of ≥ 7, two-bit vectors otherwise.
 */
function encodeChunks(s: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const rem = s.length - i;
    const sym = s[i]!;
    let run = 1;
    while (run < MAX_RUN && run < rem && s[i + run] === sym) run++;
    if (run >= 14 || run === rem) {
      out.push((sym << 13) | run);
      i += run;
      continue;
    }
    const n14 = Math.min(14, rem);
    let oneBit = true;
    for (let k = 0; k < n14; k++) if (s[i + k]! > 1) oneBit = false;
    if (oneBit) {
      let c = 0x8000;
      for (let k = 0; k < n14; k++) c |= s[i + k]! << (13 - k);
      out.push(c);
      i += n14;
    } else if (run >= 7) {
      out.push((sym << 13) | run);
      i += run;
    } else {
      const n7 = Math.min(7, rem);
      let c = 0xc000;
      for (let k = 0; k < n7; k++) c |= s[i + k]! << (12 - 2 * k);
      out.push(c);
      i += n7;
    }
  }
  return out;
}

/**
 * Serializes one transport-wide feedback packet. Symbols and chunk kinds are derived from the
 * statuses; deltas 0..63.75 ms take one byte, others two (signed).
 * @throws RangeError if the statuses are empty, inconsistent, or a delta is not representable.
 */
export function encodeTwccFeedback(fb: TwccFeedback): Buffer {
  const n = fb.packets.length;
  if (n < 1 || n > 0xffff || fb.statusCount !== n) throw new RangeError(`TWCC: bad status count ${fb.statusCount} for ${n} statuses`);
  const symbols = new Uint8Array(n);
  const ticks: number[] = [];
  let deltaBytes = 0;
  for (let i = 0; i < n; i++) {
    const p = fb.packets[i]!;
    if (p.seq !== ((fb.baseSeq + i) & 0xffff)) throw new RangeError(`TWCC: status ${i} has seq ${p.seq}, expected ${(fb.baseSeq + i) & 0xffff}`);
    if (!p.received) continue;
    const t = (p.deltaUs ?? NaN) / TICK_US;
    if (!Number.isInteger(t) || t < -0x8000 || t > 0x7fff) throw new RangeError(`TWCC: bad delta ${p.deltaUs} µs for seq ${p.seq}`);
    symbols[i] = t >= 0 && t <= 0xff ? 1 : 2;
    deltaBytes += symbols[i]!;
    ticks.push(t);
  }
  const chunks = encodeChunks(symbols);
  const size = HEADER + chunks.length * 2 + deltaBytes;
  const buf = Buffer.alloc((size + 3) & ~3); // zero padding to a 32-bit boundary, P stays 0
  buf[0] = 0x80 | FMT_TWCC;
  buf[1] = RTPFB;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
  buf.writeUInt32BE(fb.senderSsrc >>> 0, 4);
  buf.writeUInt32BE(fb.mediaSsrc >>> 0, 8);
  buf.writeUInt16BE(fb.baseSeq & 0xffff, 12);
  buf.writeUInt16BE(n, 14);
  buf.writeUIntBE(wrapRef(fb.referenceTime), 16, 3);
  buf[19] = fb.fbPktCount & 0xff;
  let pos = HEADER;
  for (const c of chunks) pos = buf.writeUInt16BE(c, pos);
  for (const t of ticks) pos = t >= 0 && t <= 0xff ? buf.writeUInt8(t, pos) : buf.writeInt16BE(t, pos);
  return buf;
}

/**
 * Parses the transport-wide feedback packet at the start of `buf` (trailing bytes, e.g. further
 * packets of a compound, are ignored). The reference time is returned sign-extended.
 * @throws Error naming what is wrong when the input is not a well-formed feedback packet.
 */
export function decodeTwccFeedback(buf: Buffer): TwccFeedback {
  const fail = (why: string): never => {
    throw new Error(`malformed TWCC feedback: ${why}`);
  };
  if (buf.length < 4) fail(`${buf.length} bytes, shorter than an RTCP header`);
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) fail(`RTCP version ${b0 >> 6}, expected 2`);
  if ((b0 & 0x1f) !== FMT_TWCC || buf[1] !== RTPFB) fail(`PT=${buf[1]} FMT=${b0 & 0x1f}, expected PT=205 FMT=15`);
  const len = (buf.readUInt16BE(2) + 1) * 4;
  if (len > buf.length) fail(`length field says ${len} bytes, only ${buf.length} present`);
  let end = len;
  if (b0 & 0x20) {
    const pad = buf[len - 1]!;
    if (pad === 0 || pad > len - HEADER) fail(`bad padding count ${pad}`);
    end -= pad;
  }
  if (end < HEADER + 2) fail(`${end} bytes, too short for the feedback header and one chunk`);
  const statusCount = buf.readUInt16BE(14);
  if (statusCount === 0) fail('packet status count is 0');
  const symbols: number[] = [];
  let pos = HEADER;
  while (symbols.length < statusCount) {
    if (pos + 2 > end) fail(`packet chunks truncated after ${symbols.length} of ${statusCount} statuses`);
    const c = buf.readUInt16BE(pos);
    pos += 2;
    const left = statusCount - symbols.length;
    if (!(c & 0x8000)) {
      for (let k = Math.min(c & MAX_RUN, left); k > 0; k--) symbols.push((c >> 13) & 3);
    } else if (!(c & 0x4000)) {
      for (let k = 0; k < Math.min(14, left); k++) symbols.push((c >> (13 - k)) & 1);
    } else {
      for (let k = 0; k < Math.min(7, left); k++) symbols.push((c >> (12 - 2 * k)) & 3);
    }
  }
  const baseSeq = buf.readUInt16BE(12);
  const packets: TwccPacketStatus[] = [];
  for (let i = 0; i < statusCount; i++) {
    const seq = (baseSeq + i) & 0xffff;
    const sym = symbols[i]!;
    if (sym === 3) fail(`reserved status symbol 3 for seq ${seq}`);
    if (sym === 0) {
      packets.push({ seq, received: false });
      continue;
    }
    if (pos + sym > end) fail(`receive deltas truncated at seq ${seq}`);
    const t = sym === 1 ? buf[pos]! : buf.readInt16BE(pos);
    pos += sym;
    packets.push({ seq, received: true, deltaUs: t * TICK_US });
  }
  const ref = buf.readUIntBE(16, 3);
  return {
    senderSsrc: buf.readUInt32BE(4),
    mediaSsrc: buf.readUInt32BE(8),
    baseSeq,
    statusCount,
    referenceTime: ref >= REF_WRAP / 2 ? ref - REF_WRAP : ref,
    fbPktCount: buf[19]!,
    packets,
  };
}

/**
 * Records arrivals of a transport's RTP packets (by transport-wide sequence number) and
 * periodically sends transport-wide feedback for everything not yet reported.
 */
export class TwccFeedbackGenerator {
  readonly #senderSsrc: number;
  readonly #send: (rtcp: Buffer) => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #maxStatuses: number;
  /** Unwrapped sequence number → arrival time (ms), only for base ≤ seq ≤ max. */
  readonly #arrivals = new Map<number, number>();
  /** First unwrapped sequence number not yet reported. */
  #base: number | undefined;
  /** Highest unwrapped sequence number received. */
  #max = 0;
  #reported = false;
  /** When the latest packet arrived (ms). */
  #lastArrivalMs = -Infinity;
  #fbCount = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Media SSRC written in feedback; must be a real SSRC of the publisher (Chromium ignores 0). */
  mediaSsrc: number;

  /** @throws RangeError on a non-positive interval or a status limit outside 1..65535. */
  constructor(opts: TwccFeedbackOptions) {
    this.#senderSsrc = opts.senderSsrc;
    this.#send = opts.send;
    this.mediaSsrc = opts.mediaSsrc ?? 0;
    this.#intervalMs = opts.intervalMs ?? 50;
    this.#now = opts.now ?? (() => performance.now());
    this.#maxStatuses = opts.maxStatusesPerPacket ?? 500;
    if (!(this.#intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${this.#intervalMs}`);
    if (!Number.isInteger(this.#maxStatuses) || this.#maxStatuses < 1 || this.#maxStatuses > 0xffff) {
      throw new RangeError(`maxStatusesPerPacket must be an integer in 1..65535, got ${this.#maxStatuses}`);
    }
  }

  /**
   * Records arrival of a packet with this 16-bit transport-wide sequence number; arrivalMs
   * defaults to now(). Sequence numbers are unwrapped relative to the highest seen; duplicates
   * and numbers already reported are ignored, as are values outside 0..65535 and non-finite times.
   */
  onPacket(transportSeq: number, arrivalMs: number = this.#now()): void {
    if (!Number.isInteger(transportSeq) || transportSeq < 0 || transportSeq > 0xffff || !Number.isFinite(arrivalMs)) return;
    if (this.#base === undefined) {
      this.#base = this.#max = transportSeq;
      this.#arrivals.set(transportSeq, arrivalMs);
      this.#lastArrivalMs = arrivalMs;
      return;
    }
    const seq = this.#max + seqDiff(this.#max, transportSeq);
    const silentMs = arrivalMs - this.#lastArrivalMs;
    this.#lastArrivalMs = Math.max(this.#lastArrivalMs, arrivalMs);
    if (silentMs >= OUTAGE_MS && seq > this.#max + 1) {
      // after an outage: what arrived before it is reported, what was sent during it is not
      this.flush();
      // (a straggler from before the outage is too late now, even if nothing was reported yet)
      this.#reported = true;
      this.#base = seq;
      this.#max = seq;
      this.#arrivals.set(seq, arrivalMs);
      return;
    }
    if (seq < this.#base) {
      // Before the first feedback, an earlier packet arriving late moves the start back.
      if (this.#reported || this.#max - seq >= MAX_WINDOW) return;
      this.#base = seq;
    }
    if (this.#arrivals.has(seq)) return;
    this.#arrivals.set(seq, arrivalMs);
    if (seq <= this.#max) return;
    this.#max = seq;
    if (seq - this.#base >= MAX_WINDOW) {
      this.#base = seq - MAX_WINDOW + 1;
      for (const k of this.#arrivals.keys()) if (k < this.#base) this.#arrivals.delete(k);
    }
  }

  /** Sends feedback for everything recorded since the previous feedback (nothing if nothing new). */
  flush(): void {
    const base = this.#base;
    if (base === undefined || this.#arrivals.size === 0) return;
    const arrivals = this.#arrivals;
    const end = this.#max + 1;
    let seq = base;
    while (!arrivals.has(seq)) seq++; // terminates: every key lies in base..max
    let prevRef = Math.floor(arrivals.get(seq)! / REF_MS); // for a packet holding only losses
    const out: Buffer[] = [];
    seq = base;
    while (seq < end) {
      const first = seq;
      const packets: TwccPacketStatus[] = [];
      let ref: number | undefined;
      let lastUs = 0; // the receiver-side time the deltas so far add up to (no drift)
      while (seq < end && seq - first < this.#maxStatuses) {
        const t = arrivals.get(seq);
        if (t === undefined) {
          packets.push({ seq: seq & 0xffff, received: false });
          seq++;
          continue;
        }
        if (ref === undefined) {
          ref = Math.floor(t / REF_MS);
          lastUs = ref * REF_MS * 1000;
        }
        const ticks = Math.round((t * 1000 - lastUs) / TICK_US) + 0; // + 0: no -0
        if (ticks < -0x8000 || ticks > 0x7fff) break; // first received always fits: starts a new packet
        lastUs += ticks * TICK_US;
        packets.push({ seq: seq & 0xffff, received: true, deltaUs: ticks * TICK_US });
        seq++;
      }
      prevRef = ref ?? prevRef;
      out.push(
        encodeTwccFeedback({
          senderSsrc: this.#senderSsrc,
          mediaSsrc: this.mediaSsrc,
          baseSeq: first & 0xffff,
          statusCount: packets.length,
          referenceTime: prevRef,
          fbPktCount: this.#fbCount,
          packets,
        }),
      );
      this.#fbCount = (this.#fbCount + 1) & 0xff;
    }
    arrivals.clear();
    this.#base = end;
    this.#reported = true;
    for (const b of out) this.#send(b);
  }

  /** Starts the periodic flush timer (unref'd, so it never keeps the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic flush timer. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
