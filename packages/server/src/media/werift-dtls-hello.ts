/**
 * A DTLS server that answers the first ClientHello with its ServerHello flight, without a
 * HelloVerifyRequest; part of the werift adapter (werift 0.25.2, pinned exactly).
 *
 * werift's DTLS server always answers a ClientHello without a cookie with a HelloVerifyRequest
 * (RFC 6347 §4.2.1) and starts the handshake only on the second ClientHello: one more round trip
 * before every connection's keys exist, so before the first packet of every join's media. The
 * cookie exchange guards a server against floods from spoofed addresses; in WebRTC the DTLS
 * peer's address was proven by ICE already (its checks carry the message integrity of the
 * negotiated credentials, and werift's DTLS receives only on the ICE-selected pair). RFC 6347
 * lets a server skip it, and libwebrtc's own DTLS server (BoringSSL) never sends one.
 *
 * Without the exchange the ServerHello is the server's first message, so its `message_seq` is 0
 * (RFC 6347 §4.2.2), and the first ClientHello belongs to the handshake's transcript. Clients
 * handle both: Chromium, Firefox and werift's own client (which keeps its first ClientHello in
 * the transcript and drops it only when a HelloVerifyRequest comes).
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A handshake message as werift's DTLS socket hands it to its server (assembled). */
interface Handshake {
  msg_type: number;
  fragment: Buffer;
}

/** werift's DTLS context of a connection (dtls/src/context/dtls.ts). */
interface DtlsContextInternals {
  flight: number;
  sequenceNumber: number;
  lastMessage: Buffer[];
  bufferHandshakeCache(handshakes: Handshake[], isLocal: boolean, flight: number): void;
}

/** werift's DTLS server endpoint (dtls/src/server.ts), as far as this module uses it. */
export interface DtlsServerInternals {
  connected: boolean;
  transport: unknown;
  dtls: DtlsContextInternals;
  cipher: unknown;
  srtp: unknown;
  options: { certificateRequest?: boolean };
  onHandleHandshakes(assembled: Handshake[]): Promise<void>;
}

/** werift's server flight 4 (ServerHello … ServerHelloDone), built by its own methods. */
interface Flight4Internals {
  sendServerHello(): Buffer;
  sendCertificate(): Buffer;
  sendServerKeyExchange(): Buffer;
  sendCertificateRequest(): Buffer;
  sendServerHelloDone(): Buffer;
  transmit(buffers: Buffer[]): Promise<void>;
  send(buffers: Buffer[]): Promise<unknown>;
}

/** The parts of werift's DTLS a server without the cookie exchange is made of. */
interface ServerParts {
  /** Reads the ClientHello's offer (curve, cipher suite, SRTP profile, extensions) into the context, then sends a HelloVerifyRequest on `udp`. */
  flight2(udp: { send(buf: Buffer): unknown }, dtls: unknown, cipher: unknown, srtp: unknown): (clientHello: unknown) => void;
  Flight4: new (udp: unknown, dtls: unknown, cipher: unknown, srtp: unknown) => Flight4Internals;
  ClientHello: { deSerialize(fragment: Buffer): { cookie: Buffer } };
}

/** DTLS handshake type of a ClientHello. */
const CLIENT_HELLO = 1;

let parts: ServerParts | null | undefined;

/** werift's DTLS server parts, from its files (they are not exported); null if werift's layout is not 0.25.2's. */
export function serverParts(): ServerParts | null {
  if (parts !== undefined) return parts;
  try {
    // werift's main file is lib/webrtc/src/index.js; its DTLS is lib/dtls/src
    const dtlsDir = join(dirname(createRequire(import.meta.url).resolve('werift')), '..', '..', 'dtls', 'src');
    const load = createRequire(join(dtlsDir, 'index.js'));
    const { flight2 } = load('./flight/server/flight2.js') as Pick<ServerParts, 'flight2'>;
    const { Flight4 } = load('./flight/server/flight4.js') as Pick<ServerParts, 'Flight4'>;
    const { ClientHello } = load('./handshake/message/client/hello.js') as Pick<ServerParts, 'ClientHello'>;
    const ok = typeof flight2 === 'function' && typeof Flight4?.prototype?.sendServerHello === 'function' && typeof ClientHello?.deSerialize === 'function';
    parts = ok ? { flight2, Flight4, ClientHello } : null;
  } catch {
    parts = null;
  }
  return parts;
}

/** Whether DTLS servers can skip the cookie exchange here (werift's files are where 0.25.2 has them). */
export function canAnswerHelloAtOnce(): boolean {
  return serverParts() !== null;
}

/** Where flight 2's HelloVerifyRequest goes: nowhere. */
const DISCARD = { send: (): void => undefined };

/**
 * Makes `server` answer a ClientHello without a cookie with its ServerHello flight at once (see
 * the module notes); call it right after werift made the endpoint, before any datagram reaches
 * it. A repeated first ClientHello (the client's retransmission) gets the same flight again.
 * Anything else (a renegotiation, a ClientHello with a cookie) stays werift's. Returns false,
 * leaving werift's handshake, if werift's DTLS is not what this module knows.
 */
export function answerHelloAtOnce(server: DtlsServerInternals): boolean {
  const p = serverParts();
  if (!p || typeof server.onHandleHandshakes !== 'function' || typeof server.dtls?.bufferHandshakeCache !== 'function') return false;
  const werifts = server.onHandleHandshakes.bind(server);
  let flight4: Flight4Internals | undefined;
  server.onHandleHandshakes = async (assembled) => {
    const hello = assembled.length === 1 && assembled[0]!.msg_type === CLIENT_HELLO && !server.connected ? assembled[0]! : undefined;
    const offer = hello && p.ClientHello.deSerialize(hello.fragment);
    if (!hello || !offer || offer.cookie.length > 0) return werifts(assembled);
    if (flight4) {
      // the client did not get our flight: the same bytes again
      await flight4.send(server.dtls.lastMessage);
      return;
    }
    // the offer's parameters, as werift reads them; its HelloVerifyRequest is dropped
    p.flight2(DISCARD, server.dtls, server.cipher, server.srtp)(offer);
    const f = new p.Flight4(server.transport, server.dtls, server.cipher, server.srtp);
    flight4 = f;
    server.dtls.flight = 4;
    // the server's first message of the handshake
    server.dtls.sequenceNumber = 0;
    server.dtls.bufferHandshakeCache([hello], false, 4);
    const messages = [f.sendServerHello(), f.sendCertificate(), f.sendServerKeyExchange()];
    if (server.options.certificateRequest) messages.push(f.sendCertificateRequest());
    messages.push(f.sendServerHelloDone());
    server.dtls.lastMessage = messages;
    await f.transmit(messages);
  };
  return true;
}
