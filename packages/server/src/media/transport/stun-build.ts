/**
 * The two messages of an ICE consent check (RFC 7675) on an established pair, the Binding request
 * and its success answer, each with short-term MESSAGE-INTEGRITY and FINGERPRINT, written by the
 * project's STUN codec (`turn/stun-message.ts`). werift's own encoder serialises a message four
 * times over (twice for its integrity, once for its fingerprint, once to send it) and allocates a
 * buffer per byte of an XOR'd address.
 * @module
 */
import { isIPv4 } from 'node:net';
import { ATTR, encodeStun, STUN, xorAddressValue } from '../../turn/stun-message.ts';

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

/**
 * The success answer to Binding request `txid` from `host:port`, keyed with `password` (the
 * answering agent's own). Undefined for an address that is not IPv4 (the caller answers another
 * way).
 */
export function bindingSuccess(txid: Buffer, host: string, port: number, password: Buffer | string): Buffer | undefined {
  if (!isIPv4(host) || txid.length !== 12) return undefined;
  return encodeStun(STUN.bindingSuccess, txid, [[ATTR.xorMappedAddress, xorAddressValue(host, port)]], { password });
}

/** A consent check: Binding request `txid` with `attrs`, keyed with `password` (the receiver's). */
export function bindingRequest(txid: Buffer, attrs: CheckAttributes, password: Buffer | string): Buffer {
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(attrs.priority >>> 0);
  const tieBreaker = Buffer.alloc(8);
  tieBreaker.writeBigUInt64BE(BigInt.asUintN(64, attrs.tieBreaker));
  const list: [number, Buffer][] = [
    [ATTR.username, Buffer.from(attrs.username, 'utf8')],
    [ATTR.priority, priority],
    [attrs.role === 'controlling' ? ATTR.iceControlling : ATTR.iceControlled, tieBreaker],
  ];
  if (attrs.useCandidate) list.push([ATTR.useCandidate, Buffer.alloc(0)]);
  return encodeStun(STUN.bindingRequest, txid, list, { password });
}
