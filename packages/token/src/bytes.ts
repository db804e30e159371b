/**
 * Little-endian byte writer/reader used by the "001" token format.
 * Internal module: the public API is re-exported from `index.ts`.
 *
 * @packageDocumentation
 */
import { Buffer } from 'node:buffer';
import { TokenError } from './errors.ts';

/** Largest value of an unsigned 16-bit integer (also the longest u16-prefixed field, in bytes). */
export const U16_MAX = 0xffff;
/** Largest value of an unsigned 32-bit integer. */
export const U32_MAX = 0xffffffff;

/** True if `v` is an integer in [0, 2^32 - 1]. */
export function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32_MAX;
}

/** True if `v` is an integer in [0, 65535]. */
export function isUint16(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U16_MAX;
}

/** Growable little-endian byte writer (no fixed-size buffer). */
export class ByteWriter {
  #buf: Buffer;
  #len = 0;

  /** @param initialCapacity - starting buffer size in bytes; grows as needed */
  constructor(initialCapacity = 128) {
    this.#buf = Buffer.alloc(Math.max(16, initialCapacity));
  }

  #ensure(extra: number): void {
    const needed = this.#len + extra;
    if (needed <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < needed) cap *= 2;
    const next = Buffer.alloc(cap);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  /** Append an unsigned 16-bit little-endian integer. */
  u16(v: number): this {
    this.#ensure(2);
    this.#buf.writeUInt16LE(v, this.#len);
    this.#len += 2;
    return this;
  }

  /** Append an unsigned 32-bit little-endian integer. */
  u32(v: number): this {
    this.#ensure(4);
    this.#buf.writeUInt32LE(v, this.#len);
    this.#len += 4;
    return this;
  }

  /** Append raw bytes. */
  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /**
   * Append a u16 length prefix followed by the bytes.
   * @throws TokenError `'field-too-long'` if `b` is longer than 65535 bytes
   */
  prefixed(b: Uint8Array, field: string): this {
    if (b.length > U16_MAX) {
      throw new TokenError(
        'field-too-long',
        `${field} is ${b.length} bytes; its u16 length prefix allows at most ${U16_MAX}`,
      );
    }
    return this.u16(b.length).bytes(b);
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }
}

/**
 * Bounds-checked little-endian reader. Every read that would run past the end throws a
 * `TokenError('malformed')` naming the field and the byte offset.
 */
export class ByteReader {
  readonly #buf: Buffer;
  readonly #base: number;
  #pos = 0;

  /**
   * @param buf - bytes to read
   * @param base - offset of `buf[0]` within the decoded token content (used in messages)
   */
  constructor(buf: Buffer, base = 0) {
    this.#buf = buf;
    this.#base = base;
  }

  /** Current position as a byte offset into the decoded token content. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number, field: string): void {
    if (this.remaining < n) {
      throw new TokenError(
        'malformed',
        `truncated token: ${field} needs ${n} byte(s) at content byte offset ${this.offset}, ` +
          `but only ${this.remaining} remain`,
        { offset: this.offset },
      );
    }
  }

  /** Read an unsigned 16-bit little-endian integer. */
  u16(field: string): number {
    this.#need(2, field);
    const v = this.#buf.readUInt16LE(this.#pos);
    this.#pos += 2;
    return v;
  }

  /** Read an unsigned 32-bit little-endian integer. */
  u32(field: string): number {
    this.#need(4, field);
    const v = this.#buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** Read a u16 length prefix, then that many bytes (returned as a copy). */
  prefixed(field: string): Buffer {
    const at = this.offset;
    const n = this.u16(`${field} length`);
    if (n > this.remaining) {
      throw new TokenError(
        'malformed',
        `truncated token: ${field} length prefix at content byte offset ${at} declares ${n} byte(s), ` +
          `but only ${this.remaining} remain after it`,
        { offset: at },
      );
    }
    const out = Buffer.from(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }

  /** Throw if any bytes are left unread. */
  end(what: string): void {
    if (this.remaining !== 0) {
      throw new TokenError(
        'malformed',
        `${this.remaining} unexpected trailing byte(s) after ${what} at content byte offset ${this.offset}`,
        { offset: this.offset },
      );
    }
  }
}
