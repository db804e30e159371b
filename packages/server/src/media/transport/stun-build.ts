/**
 * Just enough STUN (RFC 5389, RFC 8445's attributes) to write the two messages of an ICE
 * consent check (RFC 7675) on an established pair: the Binding request and its success
 * answer, each with MESSAGE-INTEGRITY and FINGERPRINT. One buffer per message, written in
 * place: werift's encoder serialises a message four times over (twice for its integrity, once
 * for its fingerprint, once to send it) and allocates a buffer per byte of an XOR'd address.
 * @module
 */
import { createHmac } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { crc32 } from 'node:zlib';
import { ATTR, BINDING, FINGERPRINT_XOR, MAGIC_COOKIE, STUN_HEADER_BYTES } from './stun.ts';

/** MESSAGE-INTEGRITY then FINGERPRINT, headers included. */
const TRAILER_BYTES = 4 + 20 + 4 + 4;

/** What a consent check's request carries besides its transaction id. */
export interface CheckAttributes {
  /** `receiverUfrag:senderUfrag`. */
  username: string;
  /** PRIORITY (a peer-reflexive candidate's, RFC 8445 §7.1.1). */
  priority: number;
  /** The sender's role and tie-breaker (RFC 8445 §7.1.3). */
  role: 'controlling' | 'controlled';
  tieBreaker: bigint;
  /** USE-CANDIDATE (a controlling agent nominating the pair). */
  useCandidate: boolean;
}

/** Writes a 4-byte attribute header at `at`; returns the value's offset. */
function attribute(b: Buffer, at: number, type: number, length: number): number {
  b.writeUInt16BE(type, at);
  b.writeUInt16BE(length, at + 2);
  return at + 4;
}

/** The header of a message of `type` and transaction id `txid`; the length is written by {@link seal}. */
function header(b: Buffer, type: number, txid: Buffer): void {
  b.writeUInt16BE(type, 0);
  b.writeUInt32BE(MAGIC_COOKIE, 4);
  txid.copy(b, 8, 0, 12);
}

/**
 * Writes MESSAGE-INTEGRITY (HMAC-SHA1 keyed with the short-term password, RFC 5389 §15.4) and
 * FINGERPRINT (§15.5) at `at`, each over the message before it with the length field counting up
 * to its own end, and the final length.
 */
function seal(b: Buffer, at: number, key: Buffer | string): Buffer {
  b.writeUInt16BE(at + 24 - STUN_HEADER_BYTES, 2);
  const mac = createHmac('sha1', key).update(b.subarray(0, at)).digest();
  mac.copy(b, attribute(b, at, ATTR.MESSAGE_INTEGRITY, 20));
  at += 24;
  b.writeUInt16BE(at + 8 - STUN_HEADER_BYTES, 2);
  b.writeUInt32BE((crc32(b.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0, attribute(b, at, ATTR.FINGERPRINT, 4));
  return b;
}

/**
 * The success answer to Binding request `txid` from `host:port`, keyed with `password` (the
 * answering agent's own). Undefined for an address that is not IPv4 (the caller answers another
 * way).
 */
export function bindingSuccess(txid: Buffer, host: string, port: number, password: Buffer | string): Buffer | undefined {
  if (!isIPv4(host) || txid.length !== 12) return undefined;
  const b = Buffer.alloc(STUN_HEADER_BYTES + 12 + TRAILER_BYTES);
  header(b, BINDING.SUCCESS, txid);
  const v = attribute(b, STUN_HEADER_BYTES, ATTR.XOR_MAPPED_ADDRESS, 8);
  b[v + 1] = 0x01; // IPv4
  b.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), v + 2);
  const [a, c, d, e] = host.split('.').map(Number) as [number, number, number, number];
  b.writeUInt32BE((((a << 24) | (c << 16) | (d << 8) | e) ^ MAGIC_COOKIE) >>> 0, v + 4);
  return seal(b, v + 8, password);
}

/** A consent check: Binding request `txid` with `attrs`, keyed with `password` (the receiver's). */
export function bindingRequest(txid: Buffer, attrs: CheckAttributes, password: Buffer | string): Buffer {
  const user = Buffer.from(attrs.username, 'utf8');
  const padded = (user.length + 3) & ~3;
  const body = 4 + padded + 8 + 12 + (attrs.useCandidate ? 4 : 0);
  const b = Buffer.alloc(STUN_HEADER_BYTES + body + TRAILER_BYTES);
  header(b, BINDING.REQUEST, txid);
  let at = STUN_HEADER_BYTES;
  user.copy(b, attribute(b, at, ATTR.USERNAME, user.length));
  at += 4 + padded;
  b.writeUInt32BE(attrs.priority >>> 0, attribute(b, at, ATTR.PRIORITY, 4));
  at += 8;
  b.writeBigUInt64BE(BigInt.asUintN(64, attrs.tieBreaker), attribute(b, at, attrs.role === 'controlling' ? ATTR.ICE_CONTROLLING : ATTR.ICE_CONTROLLED, 8));
  at += 12;
  if (attrs.useCandidate) at = attribute(b, at, ATTR.USE_CANDIDATE, 0);
  return seal(b, at, password);
}
