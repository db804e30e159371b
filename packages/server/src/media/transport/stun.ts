/**
 * Just enough STUN (RFC 5389) to demultiplex one UDP port between ICE agents: recognise a
 * STUN message, read its class, method, transaction id and USERNAME, and check its
 * MESSAGE-INTEGRITY with an agent's short-term password. Every reader is bounds-checked:
 * the input is whatever arrived on the port.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ATTR, FINGERPRINT_XOR, MAGIC_COOKIE } from '../../turn/stun-message.ts';

/** Size of the STUN header. */
export const STUN_HEADER_BYTES = 20;
const HMAC_SHA1_BYTES = 20;
/** The Binding method (the only one ICE uses). */
export const METHOD_BINDING = 0x001;

/** The four STUN message classes. */
export type StunClass = 'request' | 'indication' | 'success' | 'error';
const CLASSES: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

/**
 * Whether `b` is one whole STUN message: the first two bits zero (RFC 7983's 0–3 first byte),
 * the magic cookie, and a length field that matches the datagram (a multiple of 4).
 */
export function isStun(b: Buffer): boolean {
  if (b.length < STUN_HEADER_BYTES || b[0]! > 3) return false;
  if (b.readUInt32BE(4) !== MAGIC_COOKIE) return false;
  const length = b.readUInt16BE(2);
  return length % 4 === 0 && length + STUN_HEADER_BYTES === b.length;
}

/** The class of STUN message `b` (call {@link isStun} first). */
export function stunClass(b: Buffer): StunClass {
  const type = b.readUInt16BE(0);
  return CLASSES[((type >> 7) & 0b10) | ((type >> 4) & 0b01)]!;
}

/** The method of STUN message `b` (call {@link isStun} first). */
export function stunMethod(b: Buffer): number {
  const type = b.readUInt16BE(0);
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

/** Whether `b` is a STUN Binding request (the message an ICE check is). */
export function isBindingRequest(b: Buffer): boolean {
  return isStun(b) && stunClass(b) === 'request' && stunMethod(b) === METHOD_BINDING;
}

/** The 96-bit transaction id of STUN message `b`, as lower-case hex. */
export function transactionKey(b: Buffer): string {
  return b.toString('hex', 8, STUN_HEADER_BYTES);
}

/**
 * Offset of the first attribute of `type` in STUN message `b` (its 4-byte attribute header),
 * or -1 when there is none or the attributes before it overrun the message.
 */
export function findAttribute(b: Buffer, type: number): number {
  let at = STUN_HEADER_BYTES;
  while (at + 4 <= b.length) {
    const t = b.readUInt16BE(at);
    const len = b.readUInt16BE(at + 2);
    if (at + 4 + len > b.length) return -1;
    if (t === type) return at;
    at += 4 + ((len + 3) & ~3);
  }
  return -1;
}

/** The USERNAME attribute of STUN message `b` (undefined without one). */
export function username(b: Buffer): string | undefined {
  const at = findAttribute(b, ATTR.username);
  if (at < 0) return undefined;
  return b.toString('utf8', at + 4, at + 4 + b.readUInt16BE(at + 2));
}

/**
 * The receiver's ufrag in an ICE check's USERNAME (`receiverUfrag:senderUfrag`, RFC 8445
 * §7.2.2): the part before the colon, undefined when either part is empty.
 */
export function receiverUfrag(user: string): string | undefined {
  const colon = user.indexOf(':');
  if (colon <= 0 || colon === user.length - 1) return undefined;
  return user.slice(0, colon);
}

/**
 * Whether STUN message `b` carries a MESSAGE-INTEGRITY that `password` (the short-term
 * credential, RFC 5389 §15.4) produced. False without the attribute.
 */
export function verifyIntegrity(b: Buffer, password: string | Buffer): boolean {
  const at = findAttribute(b, ATTR.messageIntegrity);
  if (at < 0 || b.readUInt16BE(at + 2) !== HMAC_SHA1_BYTES) return false;
  // the HMAC covers the message up to the attribute, its length field counting up to the attribute's end
  const header = Buffer.from(b.subarray(0, STUN_HEADER_BYTES));
  header.writeUInt16BE(at + 4 + HMAC_SHA1_BYTES - STUN_HEADER_BYTES, 2);
  const mac = createHmac('sha1', password).update(header).update(b.subarray(STUN_HEADER_BYTES, at)).digest();
  return timingSafeEqual(mac, b.subarray(at + 4, at + 4 + HMAC_SHA1_BYTES));
}

/**
 * Whether STUN message `b` ends with a FINGERPRINT attribute that matches it (RFC 5389 §15.5:
 * CRC-32 of the message before it, XOR 0x5354554e). False without one.
 */
export function verifyFingerprint(b: Buffer): boolean {
  const at = findAttribute(b, ATTR.fingerprint);
  if (at < 0 || b.readUInt16BE(at + 2) !== 4 || at + 8 !== b.length) return false;
  return ((crc32(b.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0) === b.readUInt32BE(at + 4);
}
