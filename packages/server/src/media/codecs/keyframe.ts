/**
 * Does this RTP payload start a key frame? One check per video codec the SFU negotiates.
 * @module
 */
import { parseVp8Descriptor, Vp8Descriptor } from './vp8-descriptor.ts';

/** Video codecs whose key frames the SFU can recognise. */
export type VideoCodec = 'vp8' | 'h264';

/** The {@link VideoCodec} of an RTP mime type (`video/VP8`, `video/H264`), case-insensitive. */
export function videoCodecOf(mimeType: string): VideoCodec | undefined {
  const m = mimeType.toLowerCase();
  if (m === 'video/vp8') return 'vp8';
  if (m === 'video/h264') return 'h264';
  return undefined;
}

const scratch = new Vp8Descriptor();

/** True when the VP8 payload `buf[offset, end)` is the first packet of a key frame. */
export function isVp8Keyframe(buf: Uint8Array, offset = 0, end = buf.length): boolean {
  return parseVp8Descriptor(buf, offset, end, scratch) && scratch.keyframe;
}

const NAL_IDR = 5;
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

function keyNal(type: number): boolean {
  return type === NAL_IDR || type === NAL_SPS;
}

/**
 * True when the H.264 payload (RFC 6184) `buf[offset, end)` begins a key frame: a single NAL
 * unit, one of the units of a STAP-A aggregate, or the first fragment of an FU-A is an IDR
 * slice (type 5) or a sequence parameter set (type 7, which encoders send just before an IDR).
 */
export function isH264Keyframe(buf: Uint8Array, offset = 0, end = buf.length): boolean {
  if (offset >= end) return false;
  const type = buf[offset]! & 0x1f;
  if (type >= 1 && type <= 23) return keyNal(type);
  if (type === STAP_A) {
    let p = offset + 1;
    while (p + 2 < end) {
      const size = (buf[p]! << 8) | buf[p + 1]!;
      p += 2;
      if (size === 0 || p + size > end) return false;
      if (keyNal(buf[p]! & 0x1f)) return true;
      p += size;
    }
    return false;
  }
  if (type === FU_A) {
    if (offset + 1 >= end) return false;
    const fu = buf[offset + 1]!;
    return (fu & 0x80) !== 0 && keyNal(fu & 0x1f);
  }
  return false;
}

/** Dispatches to the key frame check of `codec` for the payload `buf[offset, end)`. */
export function isKeyframe(codec: VideoCodec, buf: Uint8Array, offset = 0, end = buf.length): boolean {
  return codec === 'vp8' ? isVp8Keyframe(buf, offset, end) : isH264Keyframe(buf, offset, end);
}
