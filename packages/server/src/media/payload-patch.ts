/**
 * Small in-place overwrites of a shared payload for one subscriber (the VP8 picture ids of its
 * continuous stream): written just before the payload is encrypted for that subscriber and
 * undone right after, so the payload other subscribers (and the NACK history) share never
 * changes. A patch is one number, kept in the send history without allocation: -1 for none,
 * else position × 2^17 + (bytes − 1) × 2^16 + value (1 or 2 bytes, big-endian).
 * @module
 */

/** No patch. */
export const NO_PATCH = -1;

/** Packs "write `value` as `bytes` bytes at `pos`". */
export function packPatch(pos: number, bytes: 1 | 2, value: number): number {
  return pos * 0x20000 + (bytes - 1) * 0x10000 + (value & (bytes === 2 ? 0xffff : 0xff));
}

/** Applies `patch` to `buf`; returns the patch that restores what it overwrote (or {@link NO_PATCH}). */
export function applyPatch(buf: Uint8Array, patch: number): number {
  if (patch < 0) return NO_PATCH;
  const pos = Math.floor(patch / 0x20000);
  const two = (patch & 0x10000) !== 0;
  const value = patch & 0xffff;
  if (pos + (two ? 2 : 1) > buf.length) return NO_PATCH;
  if (two) {
    const old = (buf[pos]! << 8) | buf[pos + 1]!;
    buf[pos] = value >> 8;
    buf[pos + 1] = value & 0xff;
    return packPatch(pos, 2, old);
  }
  const old = buf[pos]!;
  buf[pos] = value;
  return packPatch(pos, 1, old);
}
