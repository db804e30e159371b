/**
 * RTP and RTCP header parses (RFC 3550 §5.1 and §6.4, RFC 8285 header extensions) that fill
 * werift's `RtpHeader` and `RtcpHeader` exactly as werift's own `deSerialize` methods do, without
 * their garbage: werift reads every bit field through a binary string (`toString(2)`, `split`,
 * spread arrays, `join`, `parseInt`) and grows the extension list by spreading it per element,
 * ~12 KB of short-lived objects per packet of a publisher (measured with the allocation profile of
 * `npm run bench -- profile`). werift-adapter.ts installs them in place of werift's.
 * @module
 */
import type { RtcpHeader, RtpHeader } from 'werift';

const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE = 0x1000;

/**
 * Fills `h` (a fresh werift `RtpHeader`) from `raw`; false when `raw` is too short for what its
 * header announces (the caller then lets werift's own parse decide: it throws, or reads what it
 * can, as before).
 */
export function parseRtpHeaderInto(h: RtpHeader, raw: Buffer): boolean {
  const len = raw.length;
  if (len < 12) return false;
  const b0 = raw[0]!;
  const cc = b0 & 0x0f;
  let off = 12 + 4 * cc;
  if (len < off) return false;
  h.version = b0 >> 6;
  h.padding = (b0 & 0x20) !== 0;
  h.extension = (b0 & 0x10) !== 0;
  h.csrcLength = cc;
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(raw.readUInt32BE(12 + 4 * i));
  h.csrc = csrc;
  const b1 = raw[1]!;
  h.marker = (b1 & 0x80) !== 0;
  h.payloadType = b1 & 0x7f;
  h.sequenceNumber = raw.readUInt16BE(2);
  h.timestamp = raw.readUInt32BE(4);
  h.ssrc = raw.readUInt32BE(8);
  if (h.extension) {
    if (len < off + 4) return false;
    const profile = raw.readUInt16BE(off);
    const extLen = raw.readUInt16BE(off + 2) * 4;
    // werift keeps whatever profile it reads, whatever its type says
    h.extensionProfile = profile as RtpHeader['extensionProfile'];
    h.extensionLength = extLen;
    off += 4;
    const end = off + extLen;
    const extensions: { id: number; payload: Buffer }[] = [];
    if (profile === ONE_BYTE_PROFILE || profile === TWO_BYTE_PROFILE) {
      const oneByte = profile === ONE_BYTE_PROFILE;
      while (off < end) {
        const b = raw[off];
        if (b === undefined) return false;
        if (b === 0) {
          off++; // padding between elements
          continue;
        }
        // one-byte: id and length - 1 in one byte (id 15 ends the block); two-byte: id, then length
        const id = oneByte ? b >> 4 : b;
        const n = oneByte ? (b & 0x0f) + 1 : raw[off + 1];
        if (n === undefined) return false;
        off += oneByte ? 1 : 2;
        if (oneByte && id === 15) break;
        extensions.push({ id, payload: raw.subarray(off, off + n) });
        off += n;
      }
    } else {
      const payload = raw.subarray(off, end);
      extensions.push({ id: 0, payload });
      off += payload.length;
    }
    h.extensions = extensions;
  }
  h.payloadOffset = off;
  if (h.padding) h.paddingSize = raw[len - 1]!;
  return true;
}

/**
 * Fills `h` (a fresh werift `RtcpHeader`) from the first 4 bytes of `raw`; false when there are
 * fewer (werift's own parse then throws, as before).
 */
export function parseRtcpHeaderInto(h: RtcpHeader, raw: Buffer): boolean {
  if (raw.length < 4) return false;
  const b0 = raw[0]!;
  h.version = b0 >> 6;
  h.padding = (b0 & 0x20) !== 0;
  h.count = b0 & 0x1f;
  h.type = raw[1]!;
  h.length = raw.readUInt16BE(2);
  return true;
}
