/**
 * werift's DTLS transport (0.25.2, pinned exactly), changed where an SFU needs it; part of the
 * werift adapter (werift-adapter.ts re-exports it).
 *
 * - **A handshake that starts before werift's ICE is done** ({@link keepEarlyDtls}): werift
 *   makes its DTLS endpoint only once its own ICE agent has finished connecting. The browser
 *   starts its handshake as soon as its side of ICE works (its check was answered), usually a
 *   little earlier: werift drops that first ClientHello, and the browser sends it again only when
 *   its retransmission timer fires (Chromium: 50 ms or more; 1 s in stacks that follow RFC 6347's
 *   initial timer). Every connection of every join waited for that. The early DTLS datagrams are
 *   now kept and handed to the DTLS endpoint the moment it is made. A server endpoint answers the
 *   first ClientHello without a HelloVerifyRequest (werift-dtls-hello.ts): one round trip less.
 * - **X25519 on OpenSSL** ({@link opensslX25519}): werift computes the handshake's X25519 key
 *   pair and shared secret with tweetnacl, in JavaScript: ~1.6 ms and ~1.1 ms here, on the
 *   event loop, for every connection (browsers offer X25519 first, and werift takes the client's
 *   first curve it knows). Node's crypto does both in ~0.2 ms. The tweetnacl instance werift
 *   loaded gets the two functions werift calls, on OpenSSL.
 * @module
 */
import { createRequire } from 'node:module';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import type { RTCPeerConnection } from 'werift';
import { eachDtlsTransport, type DtlsTransportInternals } from './werift-ice.ts';
import { answerHelloAtOnce, type DtlsServerInternals } from './werift-dtls-hello.ts';

/** At most this many early DTLS datagrams are kept (a ClientHello and its retransmissions). */
export const MAX_EARLY_DTLS = 8;

const holding = new WeakSet<object>();

/** A DTLS record's first byte (RFC 7983's demultiplexing range, as werift's `isDtls`). */
function isDtlsRecord(data: Buffer): boolean {
  const b = data[0]!;
  return b > 19 && b < 64;
}

/** Keeps the DTLS datagrams every transport of `pc` receives before it starts (call right after constructing `pc`). */
export function keepEarlyDtls(pc: RTCPeerConnection): void {
  eachDtlsTransport(pc, 'early DTLS', holdUntilStart);
}

/**
 * Keeps the DTLS datagrams `dtls`'s ICE agent passes on while `dtls` is `new` (at most
 * {@link MAX_EARLY_DTLS}), and replays them, in order, right after its `start` made the DTLS
 * endpoint (werift makes it synchronously in `start`, before its first await).
 */
export function holdUntilStart(dtls: DtlsTransportInternals): void {
  if (holding.has(dtls)) return;
  holding.add(dtls);
  const conn = dtls.iceTransport.connection;
  let early: Buffer[] = [];
  const kept = conn.onData.subscribe((data) => {
    if (dtls.state === 'new' && early.length < MAX_EARLY_DTLS && isDtlsRecord(data)) early.push(data);
  });
  const start = dtls.start.bind(dtls);
  dtls.start = () => {
    kept.unSubscribe();
    const started = start();
    // the endpoint exists now; as a server it answers the first ClientHello without a cookie exchange
    if (dtls.role === 'server' && dtls.dtls) answerHelloAtOnce(dtls.dtls as DtlsServerInternals);
    const replay = early;
    early = [];
    for (const data of replay) conn.onData.execute(data);
    return started;
  };
}

/** The two functions of tweetnacl (1.0.3) werift's DTLS calls: `box.keyPair()` and `scalarMult(n, p)`. */
interface NaclX25519 {
  box: { keyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } };
  scalarMult(n: Uint8Array, p: Uint8Array): Uint8Array;
}

/** DER prefixes of an X25519 private key (PKCS #8) and public key (SPKI) around its 32 bytes (RFC 8410). */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** 32 bytes in a buffer of their own: werift reads `.buffer` of tweetnacl's keys. */
function own32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(b.subarray(0, 32));
  return out;
}

/** X25519 (RFC 7748) of scalar `n` and point `p` on OpenSSL; all zeros where OpenSSL refuses (a low-order point), as tweetnacl returns. */
export function x25519(n: Uint8Array, p: Uint8Array): Uint8Array {
  if (n.length !== 32 || p.length !== 32) return new Uint8Array(32);
  try {
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, n]), format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_X25519, p]), format: 'der', type: 'spki' });
    return own32(diffieHellman({ privateKey, publicKey }));
  } catch {
    // a peer's low-order point: the handshake then fails on its Finished, not on an exception
    return new Uint8Array(32);
  }
}

/** A fresh X25519 key pair on OpenSSL, as tweetnacl's `box.keyPair()` returns it. */
export function x25519KeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { secretKey: own32(der.subarray(PKCS8_X25519.length)), publicKey: own32(spki.subarray(SPKI_X25519.length)) };
}

let onOpenSsl = false;

/**
 * Makes werift's DTLS do X25519 on OpenSSL (see the module notes); once per process, before
 * connections are made. Returns false if werift's tweetnacl is not where, or not what, werift
 * 0.25.2 has (its own code then stays).
 */
export function opensslX25519(): boolean {
  if (onOpenSsl) return true;
  let nacl: Partial<NaclX25519> | undefined;
  try {
    // the instance werift imported (an ES import of a CommonJS package is its module.exports)
    nacl = createRequire(import.meta.resolve('werift'))('tweetnacl') as Partial<NaclX25519>;
  } catch {
    return false;
  }
  const original = nacl?.scalarMult;
  if (typeof original !== 'function' || typeof nacl!.box?.keyPair !== 'function') return false;
  // the function's own properties (`base`, the lengths) stay, for any other caller
  nacl!.scalarMult = Object.assign((n: Uint8Array, p: Uint8Array) => x25519(n, p), original);
  nacl!.box.keyPair = x25519KeyPair;
  onOpenSsl = true;
  return true;
}
