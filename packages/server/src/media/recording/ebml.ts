/**
 * EBML (RFC 8794) element encoding, the little of it a WebM writer needs: element ids, sizes
 * (variable-length integers), unsigned integers, floats, strings and binary payloads.
 * @module
 */

/** The "unknown size" marker in 8 bytes: a live Segment whose end is not known yet. */
export const UNKNOWN_SIZE_8 = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** An element id as its bytes (ids carry their own length marker: 0x1A45DFA3 is 4 bytes). */
export function idBytes(id: number): Buffer {
  const n = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const b = Buffer.alloc(n);
  b.writeUIntBE(id, 0, n);
  return b;
}

/**
 * An element size as a variable-length integer: the shortest form, or `width` bytes when given
 * (sizes patched later must keep their width). All-ones values are reserved, hence the `- 1`.
 */
export function vint(value: number, width?: number): Buffer {
  let n = width ?? 1;
  if (width === undefined) while (n < 8 && value >= 2 ** (7 * n) - 1) n++;
  if (value >= 2 ** (7 * n) - 1) throw new RangeError(`EBML size ${value} does not fit in ${n} bytes`);
  const b = Buffer.alloc(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  b[0]! |= 0x80 >> (n - 1);
  return b;
}

/** An element: id, size, payload. */
export function element(id: number, ...payload: Buffer[]): Buffer {
  const body = payload.length === 1 ? payload[0]! : Buffer.concat(payload);
  return Buffer.concat([idBytes(id), vint(body.length), body]);
}

/** An unsigned integer element (shortest big-endian form, or `width` bytes). */
export function uint(id: number, value: number, width?: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`EBML uint ${value}`);
  let n = width ?? 1;
  if (width === undefined) while (n < 8 && value >= 2 ** (8 * n)) n++;
  const b = Buffer.alloc(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return element(id, b);
}

/** A 64-bit float element. */
export function float(id: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(value);
  return element(id, b);
}

/** A string element (ASCII or UTF-8). */
export function string(id: number, value: string): Buffer {
  return element(id, Buffer.from(value, 'utf8'));
}

/** A Void element of exactly `total` bytes (at least 2): room reserved for a later patch. */
export function voidElement(total: number): Buffer {
  if (total < 2 || total > 128) throw new RangeError(`Void of ${total} bytes`);
  const b = Buffer.alloc(total);
  b[0] = 0xec;
  b[1] = 0x80 | (total - 2);
  return b;
}
