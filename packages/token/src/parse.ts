/**
 * Strict, never-throwing parser for Volcengine "001" AccessTokens.
 *
 * @packageDocumentation
 */
import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { ByteReader } from './bytes.ts';
import { TokenError } from './errors.ts';
import { APP_ID_LENGTH, SIGNATURE_LENGTH, TOKEN_VERSION } from './format.ts';

/** The decoded fields of a token. Nothing here is authenticated until `verifyToken` succeeds. */
export interface ParsedToken {
  /** Format version prefix; always `'001'`. */
  readonly version: '001';
  /** AppId (the 24 characters after the version prefix; not covered by the signature). */
  readonly appId: string;
  /** Per-token random value (uint32). */
  readonly nonce: number;
  /** Issue time, Unix seconds. */
  readonly issuedAt: number;
  /** Token expiry, Unix seconds; `0` = never expires. */
  readonly expireAt: number;
  /** Room id; `"*"` = wildcard. */
  readonly roomId: string;
  /** User id. */
  readonly userId: string;
  /** Privilege id → expiry in Unix seconds (`0` = no expiry), in ascending id order. */
  readonly privileges: ReadonlyMap<number, number>;
  /** The signed message bytes (`msg`), a private copy. */
  readonly message: Buffer;
  /** The 32-byte HMAC-SHA256 signature, a private copy. */
  readonly signature: Buffer;
}

/** Outcome of {@link parseToken}: the parsed token, or a `'malformed'` {@link TokenError}. */
export type ParseResult =
  | { readonly ok: true; readonly token: ParsedToken }
  | { readonly ok: false; readonly error: TokenError };

const HEADER_LENGTH = TOKEN_VERSION.length + APP_ID_LENGTH;
const BASE64_CHAR = /^[A-Za-z0-9+/]$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string, offset?: number): TokenError {
  return new TokenError('malformed', message, offset === undefined ? {} : { offset });
}

function describeChar(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** Decode standard padded base64, rejecting anything `Buffer.from` would silently skip or accept loosely. */
function decodeBase64Strict(s: string, start: number): Buffer {
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  for (let i = 0; i < s.length - pad; i++) {
    if (!BASE64_CHAR.test(s.charAt(i))) {
      throw malformed(
        `invalid base64: character ${describeChar(s, i)} at token index ${start + i} is not in the standard alphabet`,
        start + i,
      );
    }
  }
  if (s.length % 4 !== 0) {
    throw malformed(
      `invalid base64: length ${s.length} (from character ${start}) is not a multiple of 4 ('=' padding is required)`,
      start + s.length,
    );
  }
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) {
    throw malformed(`invalid base64: non-canonical encoding (nonzero padding bits) near token index ${start + s.length - pad - 1}`);
  }
  return bytes;
}

function decodeUtf8(bytes: Buffer, field: string, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformed(`${field} at content byte offset ${offset} is not valid UTF-8`, offset);
  }
}

function parseUnchecked(token: string): ParsedToken {
  if (!token.startsWith(TOKEN_VERSION)) {
    throw malformed(
      `unsupported token: expected version prefix "${TOKEN_VERSION}", got ${JSON.stringify(token.slice(0, 3))}`,
      0,
    );
  }
  if (token.length <= HEADER_LENGTH) {
    throw malformed(
      `token too short: ${token.length} characters, need more than ${HEADER_LENGTH} (version + ${APP_ID_LENGTH}-char appId + content)`,
      token.length,
    );
  }
  const appId = token.slice(TOKEN_VERSION.length, HEADER_LENGTH);
  const content = decodeBase64Strict(token.slice(HEADER_LENGTH), HEADER_LENGTH);

  const outer = new ByteReader(content, 0);
  const message = outer.prefixed('signed message');
  const sigOffset = outer.offset;
  const signature = outer.prefixed('signature');
  if (signature.length !== SIGNATURE_LENGTH) {
    throw malformed(
      `signature at content byte offset ${sigOffset} is ${signature.length} bytes, expected ${SIGNATURE_LENGTH}`,
      sigOffset,
    );
  }
  outer.end('the signature');

  const r = new ByteReader(message, 2);
  const nonce = r.u32('nonce');
  const issuedAt = r.u32('issuedAt');
  const expireAt = r.u32('expireAt');
  const roomOffset = r.offset;
  const roomId = decodeUtf8(r.prefixed('roomId'), 'roomId', roomOffset);
  const userOffset = r.offset;
  const userId = decodeUtf8(r.prefixed('userId'), 'userId', userOffset);
  const count = r.u16('privilege count');
  const entries: Array<[number, number]> = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const id = r.u16(`privilege #${i} id`);
    const exp = r.u32(`privilege #${i} expiry`);
    if (seen.has(id)) {
      throw malformed(`duplicate privilege id ${id} at content byte offset ${at}`, at);
    }
    seen.add(id);
    entries.push([id, exp]);
  }
  r.end('the privilege list (inside the signed message)');
  entries.sort((a, b) => a[0] - b[0]);

  return {
    version: TOKEN_VERSION,
    appId,
    nonce,
    issuedAt,
    expireAt,
    roomId,
    userId,
    privileges: new Map(entries),
    message,
    signature,
  };
}

/**
 * Decode a "001" token string without checking its signature.
 *
 * Strict: rejects a wrong version prefix, a string of 27 characters or fewer, anything but
 * canonical standard base64 with `=` padding (no whitespace, no URL-safe alphabet), truncated
 * fields, length prefixes past the end, trailing bytes, a signature that is not 32 bytes,
 * duplicate privilege ids and ids that are not valid UTF-8.
 *
 * Never throws, for any input.
 *
 * @param token - the token string
 * @returns `{ ok: true, token }` or `{ ok: false, error }` with `error.code === 'malformed'`
 */
export function parseToken(token: string): ParseResult {
  try {
    if (typeof token !== 'string') {
      return { ok: false, error: malformed(`token must be a string, got ${typeof token}`) };
    }
    return { ok: true, token: parseUnchecked(token) };
  } catch (err) {
    if (err instanceof TokenError) return { ok: false, error: err };
    return {
      ok: false,
      error: new TokenError('malformed', `token could not be decoded: ${String(err)}`, { cause: err }),
    };
  }
}
