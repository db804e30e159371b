/**
 * STUN messages (RFC 8489) as far as a TURN allocation check and ICE's consent checks need
 * them: encoding with MESSAGE-INTEGRITY (long-term credential: HMAC-SHA1 under
 * MD5(username:realm:password); short-term, as ICE's: under the password itself) and
 * FINGERPRINT, and decoding of the attributes an answer carries (ERROR-CODE, REALM, NONCE,
 * XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS, LIFETIME).
 * @module
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The fixed cookie of every STUN message since RFC 5389. */
export const MAGIC_COOKIE = 0x2112a442;

/** Message types used here (method | class). */
export const STUN = {
  bindingRequest: 0x0001,
  bindingSuccess: 0x0101,
  bindingError: 0x0111,
  allocateRequest: 0x0003,
  allocateSuccess: 0x0103,
  allocateError: 0x0113,
  refreshRequest: 0x0004,
  createPermissionRequest: 0x0008,
  createPermissionSuccess: 0x0108,
  createPermissionError: 0x0118,
} as const;

/** Attribute types used here. */
export const ATTR = {
  xorMappedAddress: 0x0020,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  fingerprint: 0x8028,
  /** ICE's (RFC 8445 §16.1). */
  priority: 0x0024,
  useCandidate: 0x0025,
  iceControlled: 0x8029,
  iceControlling: 0x802a,
} as const;

/** What a FINGERPRINT's CRC-32 is XOR'd with (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

/** A decoded message: type, transaction id and raw attribute values by type (first of each). */
export interface StunMessage {
  type: number;
  transactionId: Buffer;
  attrs: Map<number, Buffer>;
}

/** Credentials for MESSAGE-INTEGRITY (long-term mechanism, RFC 8489 §9.2). */
export interface LongTermKey {
  username: string;
  realm: string;
  password: string;
}

/** Credentials for MESSAGE-INTEGRITY (short-term mechanism, RFC 8489 §9.1: ICE's checks). */
export interface ShortTermKey {
  password: Buffer | string;
}

/** A new random transaction id. */
export function transactionId(): Buffer {
  return randomBytes(12);
}

/**
 * Encodes a message with the attributes given (in order), then MESSAGE-INTEGRITY when `key` is
 * given, then FINGERPRINT.
 */
export function encodeStun(type: number, txId: Buffer, attrs: readonly [number, Buffer][], key?: LongTermKey | ShortTermKey): Buffer {
  const parts: Buffer[] = [];
  for (const [t, v] of attrs) parts.push(attribute(t, v));
  let body = Buffer.concat(parts);
  if (key) {
    // the HMAC covers the message up to MESSAGE-INTEGRITY, its length field counting it (24 bytes)
    const hmacKey = 'realm' in key ? createHash('md5').update(`${key.username}:${key.realm}:${key.password}`).digest() : key.password;
    const mac = createHmac('sha1', hmacKey).update(Buffer.concat([header(type, txId, body.length + 24), body])).digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, mac)]);
  }
  const crc = crc32(Buffer.concat([header(type, txId, body.length + 8), body])) ^ FINGERPRINT_XOR;
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE(crc >>> 0, 0);
  body = Buffer.concat([body, attribute(ATTR.fingerprint, fp)]);
  return Buffer.concat([header(type, txId, body.length), body]);
}

/** Decodes one message, or undefined when `buf` is not a whole STUN message. */
export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (buf.length < 20 || (buf[0]! & 0xc0) !== 0 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const length = buf.readUInt16BE(2);
  if (buf.length < 20 + length) return undefined;
  const attrs = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= 20 + length; ) {
    const t = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 2);
    if (at + 4 + len > 20 + length) return undefined;
    if (!attrs.has(t)) attrs.set(t, buf.subarray(at + 4, at + 4 + len));
    at += 4 + Math.ceil(len / 4) * 4;
  }
  return { type: buf.readUInt16BE(0), transactionId: buf.subarray(8, 20), attrs };
}

/** Bytes of the whole message starting at `buf[0]` (for stream framing), or undefined if the header is incomplete. */
export function stunLength(buf: Buffer): number | undefined {
  return buf.length < 4 ? undefined : 20 + buf.readUInt16BE(2);
}

/** ERROR-CODE as `{code, reason}`. */
export function errorCode(m: StunMessage): { code: number; reason: string } | undefined {
  const v = m.attrs.get(ATTR.errorCode);
  if (!v || v.length < 4) return undefined;
  return { code: (v[2]! & 7) * 100 + v[3]!, reason: v.subarray(4).toString('utf8') };
}

/** An XOR-…-ADDRESS attribute (IPv4 or IPv6) as `ip:port`. */
export function xorAddress(m: StunMessage, type: number): string | undefined {
  const v = m.attrs.get(type);
  if (!v || v.length < 8) return undefined;
  const port = v.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (v[1] === 1) {
    const ip = (v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
  }
  if (v[1] === 2 && v.length >= 20) {
    const mask = Buffer.concat([header(0, m.transactionId, 0).subarray(4, 8), m.transactionId]);
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((v.readUInt16BE(4 + i) ^ mask.readUInt16BE(i)) & 0xffff).toString(16));
    return `[${words.join(':')}]:${port}`;
  }
  return undefined;
}

/**
 * The value of an XOR-…-ADDRESS attribute for an IPv4 `ip` and `port` (the inverse of
 * {@link xorAddress} for IPv4).
 * @throws Error when `ip` is not a dotted IPv4 address
 */
export function xorAddressValue(ip: string, port: number): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  const octets = parts.map(Number);
  const v = Buffer.alloc(8);
  v[1] = 1;
  v.writeUInt16BE((port ^ (MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  v.writeUInt32BE((((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) ^ MAGIC_COOKIE) >>> 0, 4);
  return v;
}

/** The value of REQUESTED-TRANSPORT for UDP relays. */
export const UDP_TRANSPORT = Buffer.from([17, 0, 0, 0]);

function header(type: number, txId: Buffer, length: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  txId.copy(h, 8);
  return h;
}

function attribute(type: number, value: Buffer): Buffer {
  const a = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  a.writeUInt16BE(type, 0);
  a.writeUInt16BE(value.length, 2);
  value.copy(a, 4);
  return a;
}
