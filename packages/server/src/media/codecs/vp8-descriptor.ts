/**
 * The VP8 RTP payload descriptor (RFC 7741 §4.2), read in place and patched in place.
 *
 * ```
 *     +-+-+-+-+-+-+-+-+
 *     |X|R|N|S|R| PID |  always
 *     +-+-+-+-+-+-+-+-+
 *  X: |I|L|T|K| RSV   |  if X
 *     +-+-+-+-+-+-+-+-+
 *  I: |M| PictureID   |  if I (M=1: a second byte follows, 15-bit id)
 *     |   PictureID   |
 *  L: |   TL0PICIDX   |  if L
 * T/K:|TID|Y| KEYIDX  |  if T or K
 *     +-+-+-+-+-+-+-+-+
 * ```
 *
 * The VP8 payload header follows; in the first packet of a frame its first byte's low bit is
 * the inverse key frame flag (P=0: key frame).
 * @module
 */

/**
 * One parsed descriptor. Reused across packets by the caller (the parser allocates nothing);
 * positions are relative to the start of the RTP payload, so the same result applies to a
 * copy of the payload placed elsewhere.
 */
export class Vp8Descriptor {
  /** X: the extension byte is present. */
  x = false;
  /** N: non-reference frame (may be discarded). */
  n = false;
  /** S: this packet starts a partition. */
  s = false;
  /** PID: partition index (0-15; 0 is the first partition). */
  pid = 0;
  /** I: a PictureID is present. */
  i = false;
  /** L: a TL0PICIDX is present. */
  l = false;
  /** T: a TID (and Y) is present. */
  t = false;
  /** K: a KEYIDX is present. */
  k = false;
  /** PictureID, or -1 when absent. */
  pictureId = -1;
  /** Width of the PictureID field: 7 (M=0), 15 (M=1), or 0 when absent. */
  pictureIdBits: 0 | 7 | 15 = 0;
  /** Position of the PictureID field in the payload, or -1. */
  pictureIdPos = -1;
  /** TL0PICIDX, or -1 when absent. */
  tl0PicIdx = -1;
  /** Position of the TL0PICIDX byte in the payload, or -1. */
  tl0PicIdxPos = -1;
  /** Temporal layer index, or -1 when absent (T=0). */
  tid = -1;
  /** Y: layer sync (only meaningful when T=1). */
  y = false;
  /** KEYIDX, or -1 when absent (K=0). */
  keyIdx = -1;
  /** Position of the VP8 payload header in the payload (= descriptor length). */
  headerPos = 0;
  /** The packet carries the first bytes of a frame (S=1 and PID=0). */
  startsFrame = false;
  /** The packet starts a key frame (starts a frame and the payload header's P bit is 0). */
  keyframe = false;
  /** A key frame's picture size (RFC 6386 §9.1: after the frame tag and start code), else 0. */
  width = 0;
  /** See {@link Vp8Descriptor.width}. */
  height = 0;
}

/**
 * Parses the descriptor of the RTP payload `buf[offset, end)` into `out`.
 * @returns false (and `out` is left partly written) when the payload is too short for the
 * descriptor its flags announce, or has nothing after it
 */
export function parseVp8Descriptor(buf: Uint8Array, offset: number, end: number, out: Vp8Descriptor): boolean {
  let p = offset;
  if (p >= end) return false;
  const b0 = buf[p++]!;
  out.x = (b0 & 0x80) !== 0;
  out.n = (b0 & 0x20) !== 0;
  out.s = (b0 & 0x10) !== 0;
  out.pid = b0 & 0x0f;
  out.i = out.l = out.t = out.k = out.y = false;
  out.pictureId = out.pictureIdPos = out.tl0PicIdx = out.tl0PicIdxPos = out.tid = out.keyIdx = -1;
  out.pictureIdBits = 0;
  out.startsFrame = out.keyframe = false;
  if (out.x) {
    if (p >= end) return false;
    const b1 = buf[p++]!;
    out.i = (b1 & 0x80) !== 0;
    out.l = (b1 & 0x40) !== 0;
    out.t = (b1 & 0x20) !== 0;
    out.k = (b1 & 0x10) !== 0;
    if (out.i) {
      if (p >= end) return false;
      out.pictureIdPos = p - offset;
      const hi = buf[p++]!;
      if (hi & 0x80) {
        if (p >= end) return false;
        out.pictureId = ((hi & 0x7f) << 8) | buf[p++]!;
        out.pictureIdBits = 15;
      } else {
        out.pictureId = hi;
        out.pictureIdBits = 7;
      }
    }
    if (out.l) {
      if (p >= end) return false;
      out.tl0PicIdxPos = p - offset;
      out.tl0PicIdx = buf[p++]!;
    }
    if (out.t || out.k) {
      if (p >= end) return false;
      const tk = buf[p++]!;
      if (out.t) {
        out.tid = tk >> 6;
        out.y = (tk & 0x20) !== 0;
      }
      if (out.k) out.keyIdx = tk & 0x1f;
    }
  }
  if (p >= end) return false;
  out.headerPos = p - offset;
  out.startsFrame = out.s && out.pid === 0;
  out.keyframe = out.startsFrame && (buf[p]! & 0x01) === 0;
  out.width = out.height = 0;
  // key frame header: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height (LE)
  if (out.keyframe && p + 10 <= end && buf[p + 3] === 0x9d && buf[p + 4] === 0x01 && buf[p + 5] === 0x2a) {
    out.width = (buf[p + 6]! | (buf[p + 7]! << 8)) & 0x3fff;
    out.height = (buf[p + 8]! | (buf[p + 9]! << 8)) & 0x3fff;
  }
  return true;
}

/**
 * Writes a PictureID and a TL0PICIDX into the descriptor of a payload that `d` was parsed
 * from (or a copy of it) at `offset`. Field widths never change: a 15-bit field takes the id
 * mod 2^15, a 7-bit one the id mod 128; TL0PICIDX is taken mod 256. A field the packet does
 * not carry is left alone, as is a field whose value is negative.
 *
 * The buffer is written: a payload shared with other subscribers must be copied first.
 */
export function writeVp8Ids(buf: Uint8Array, offset: number, d: Vp8Descriptor, pictureId: number, tl0PicIdx: number): void {
  if (d.pictureIdPos >= 0 && pictureId >= 0) {
    const p = offset + d.pictureIdPos;
    if (d.pictureIdBits === 15) {
      buf[p] = 0x80 | ((pictureId >> 8) & 0x7f);
      buf[p + 1] = pictureId & 0xff;
    } else {
      buf[p] = pictureId & 0x7f;
    }
  }
  if (d.tl0PicIdxPos >= 0 && tl0PicIdx >= 0) buf[offset + d.tl0PicIdxPos] = tl0PicIdx & 0xff;
}
