// Receive accounting from clear RTP headers, no decryption: each datagram is classified (RTP or
// RTCP, RFC 5761), and RTP is counted per SSRC by extended sequence number (RFC 3550 A.1 style),
// so loss is "expected from the sequence span − distinct packets received". Pure logic, no I/O.

/** What a datagram is, from its first two bytes (RFC 7983 demux, RFC 5761 RTP/RTCP split). */
export type DatagramKind = 'rtp' | 'rtcp' | 'other';

/** Classifies a datagram: RTP/RTCP have version 2 (first byte 128–191); RTCP has packet type 192–223 in byte 1. */
export function classifyDatagram(b: Uint8Array): DatagramKind {
  if (b.length < 12 || b[0]! < 128 || b[0]! > 191) return 'other';
  const pt = b[1]!;
  return pt >= 192 && pt <= 223 ? 'rtcp' : 'rtp';
}

/** Where the payload of a clear-header RTP packet starts (after CSRCs and the header extension), or -1 if malformed. */
export function rtpPayloadOffset(b: Uint8Array): number {
  if (b.length < 12) return -1;
  let off = 12 + 4 * (b[0]! & 0x0f);
  if (b[0]! & 0x10) {
    if (b.length < off + 4) return -1;
    off += 4 + 4 * ((b[off + 2]! << 8) | b[off + 3]!);
  }
  return off <= b.length ? off : -1;
}

/** Receive totals of one tally (or their difference over a window). */
export interface TallyTotals {
  /** Distinct RTP packets received. */
  received: number;
  /** RTP packets the sequence numbers say were sent: per SSRC, highest − lowest extended sequence number + 1. */
  expected: number;
  /** RTP packets that arrived again (same SSRC and sequence number as one recently received). */
  duplicates: number;
  /** RTCP datagrams received. */
  rtcp: number;
}

/** One SSRC's state. Sequence numbers are extended to 32+ bits (cycles × 65536 + seq). */
interface Stream {
  /** Lowest extended sequence number received. */
  base: number;
  /** Highest extended sequence number received. */
  max: number;
  /** Distinct packets received. */
  received: number;
  /** The extended sequence number last seen in each of the 1,024 slots, NaN for none (duplicate detection). */
  recent: Float64Array;
}

/** How many recent sequence numbers per SSRC are remembered for duplicate detection. */
const RECENT = 1024;

/**
 * Per-SSRC sequence accounting of received RTP. A packet more than 32,767 behind the highest
 * sequence number seen is taken as a wrap forward (RFC 3550's rule); one less behind as late (it
 * fills its gap and may lower the base). A packet seen again within the last 1,024 sequence numbers
 * of its stream counts as a duplicate, not as received.
 */
export class RtpTally {
  readonly #streams = new Map<number, Stream>();
  #duplicates = 0;
  #rtcp = 0;

  /** Notes one RTP packet by its SSRC and 16-bit sequence number; false if it was a duplicate. */
  add(ssrc: number, seq: number): boolean {
    const s = this.#streams.get(ssrc);
    if (!s) {
      const recent = new Float64Array(RECENT).fill(NaN);
      recent[seq % RECENT] = seq;
      this.#streams.set(ssrc, { base: seq, max: seq, received: 1, recent });
      return true;
    }
    const top = s.max & 0xffff;
    const ahead = (seq - top) & 0xffff;
    // ahead < 0x8000: at or after the highest (possibly across a wrap); else behind it
    const ext = ahead < 0x8000 ? s.max + ahead : s.max - (0x10000 - ahead);
    const slot = ((ext % RECENT) + RECENT) % RECENT;
    if (s.recent[slot] === ext) {
      this.#duplicates++;
      return false;
    }
    // an older packet in the slot was either counted long ago or never: either way it is no duplicate of this one
    s.recent[slot] = ext;
    s.received++;
    if (ext > s.max) s.max = ext;
    if (ext < s.base) s.base = ext;
    return true;
  }

  /**
   * Notes one datagram (see {@link classifyDatagram}) and returns its kind, or `duplicate` for RTP
   * already counted. RTP is counted by its clear header.
   */
  addDatagram(b: Uint8Array): DatagramKind | 'duplicate' {
    const kind = classifyDatagram(b);
    if (kind === 'rtp') return this.add(((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0, (b[2]! << 8) | b[3]!) ? 'rtp' : 'duplicate';
    if (kind === 'rtcp') this.#rtcp++;
    return kind;
  }

  /** Totals since the start. */
  totals(): TallyTotals {
    let received = 0;
    let expected = 0;
    for (const s of this.#streams.values()) {
      received += s.received;
      expected += s.max - s.base + 1;
    }
    return { received, expected, duplicates: this.#duplicates, rtcp: this.#rtcp };
  }

  /** Distinct packets received so far per SSRC (to tell which streams received in a window). */
  receivedBySsrc(): Map<number, number> {
    return new Map([...this.#streams].map(([ssrc, s]) => [ssrc, s.received]));
  }
}

/** How many SSRCs received packets between two {@link RtpTally.receivedBySsrc} snapshots. */
export function streamsReceived(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let n = 0;
  for (const [ssrc, r] of after) if (r > (before.get(ssrc) ?? 0)) n++;
  return n;
}

/** Received and expected packet counts of one listener over a window. */
export interface Counts {
  received: number;
  expected: number;
}

/**
 * One listener's loss over a window, %: the worse of what its own sequence numbers say
 * (`bySequence`: gaps in the streams it received) and what its talkers sent for it (`bySenders`: a
 * stream that never arrived). A listener that received nothing has no sequence numbers to show a
 * gap, but its talkers sent for it: it is 100% loss, never 0%.
 */
export function listenerLossPercent(bySequence: Counts, bySenders: Counts): number {
  const loss = (c: Counts) => (c.expected > 0 ? Math.max(0, 1 - Math.min(c.received, c.expected) / c.expected) * 100 : 0);
  return Math.max(loss(bySequence), loss(bySenders));
}

/** A media kind an RTP payload type carries. */
export type MediaKind = 'audio' | 'video';

/** Payload type → media kind, from an SDP's m-lines (`m=audio 9 UDP/TLS/RTP/SAVPF 111 …`). */
export function payloadTypeKinds(sdp: string): Map<number, MediaKind> {
  const kinds = new Map<number, MediaKind>();
  for (const m of sdp.matchAll(/^m=(audio|video) \d+ \S+ ([\d ]+)/gm)) for (const pt of m[2]!.trim().split(' ')) kinds.set(Number(pt), m[1] as MediaKind);
  return kinds;
}
