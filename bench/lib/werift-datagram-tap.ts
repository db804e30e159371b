// The one place the lean listener reaches into werift 0.25.2's internals (pinned exactly in
// packages/server/package.json): the UDP sockets of a connection's ICE agent, and the SRTP session
// its DTLS transport keyed. Everything else in bench/lib sees only the small interface below.
//
// werift's receive path per datagram: dgram 'message' → UdpTransport.onData → StunProtocol
// .datagramReceived (a STUN parse attempt on every packet) → ICE onData → DTLS demux → SRTP decrypt
// → RTP parse → receiver (NACK, jitter statistics) → track events. The filter sits in front of the
// first step: once media is tapped, RTP and RTCP go to the tap and never reach werift; STUN
// (consent checks and their responses) and DTLS go on to werift's own listener unchanged.
import type { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';

/** A filter in front of werift on one connection's UDP sockets. */
export interface DatagramFilter {
  /**
   * From now on, every datagram whose first byte says RTP or RTCP (128–191, RFC 7983) goes to
   * `onMedia` instead of werift. Call once {@link whenSrtpReady} says the connection is keyed.
   */
  tapMedia(onMedia: (datagram: Buffer) => void): void;
  /**
   * Decrypts one SRTP packet with the connection's SRTP session (a copy with the clear payload),
   * or returns undefined if it does not authenticate or SRTP is not keyed. For sampling only: it
   * advances werift's per-SSRC rollover state like a received packet.
   */
  decrypt(srtp: Buffer): Buffer | undefined;
  /** Duplicate DTLS HelloVerifyRequests kept from werift (see {@link filterDatagrams}). */
  readonly duplicateHelloVerifies: number;
  /** Gives the sockets back to werift alone. */
  detach(): void;
}

/** What the filter needs of werift's objects (not part of werift's public types). */
interface Internals {
  iceTransports: { connection: { protocols?: { transport?: { socket?: Socket } }[] } }[];
  dtlsTransports: {
    state: string;
    srtp?: { decrypt(b: Buffer): Buffer };
    onStateChange: { subscribe(f: (state: string) => void): { unSubscribe(): void } };
  }[];
}

/** Receive buffer of a measuring subscriber's sockets (the kernel caps it at net.core.rmem_max). */
const MEASURING_RECEIVE_BUFFER = 4 * 1024 * 1024;

type MessageListener = (msg: Buffer, rinfo: unknown) => void;

/** A DTLS handshake record (content type 22) carrying a HelloVerifyRequest (handshake type 3). */
const isHelloVerifyRequest = (b: Buffer): boolean => b.length > 13 && b[0] === 22 && b[13] === 3;

/**
 * Puts a filter in front of werift on every UDP socket of `pc`'s ICE agent (call once `pc` has
 * gathered its candidates, before it connects); undefined if it has none.
 *
 * Besides tapping media, the filter keeps a second DTLS HelloVerifyRequest from werift's DTLS
 * client: werift 0.25.2 fails the whole handshake on one ("Flight3.exec" throws when flight 3 has
 * begun), and a busy server sends one whenever it answers the client's first ClientHello after
 * the client's 500 ms retransmission. The server's cookie is the same in both (werift keeps it), so
 * the first one suffices.
 */
export function filterDatagrams(pc: RTCPeerConnection): DatagramFilter | undefined {
  const internals = pc as unknown as Internals;
  const sockets = (internals.iceTransports[0]?.connection.protocols ?? []).map((p) => p.transport?.socket).filter((s): s is Socket => s !== undefined && typeof s.listeners === 'function');
  if (sockets.length === 0) return undefined;
  // one harness process reads every subscriber's streams: the kernel's default receive buffer
  // (~208 KB, ~90 datagrams) overflows while its event loop is busy elsewhere, and the harness'
  // own drops would count as the server's loss
  for (const socket of sockets) {
    try {
      socket.setRecvBufferSize(MEASURING_RECEIVE_BUFFER);
    } catch {
      // not bound yet, or the system refuses: the default buffer stays
    }
  }
  let onMedia: ((d: Buffer) => void) | undefined;
  let helloVerifies = 0;
  const installed = sockets.map((socket) => {
    const werift = socket.listeners('message') as MessageListener[];
    let seenHelloVerify = false;
    const filter: MessageListener = (msg, rinfo) => {
      const first = msg[0]!;
      if (onMedia && first >= 128 && first <= 191) return onMedia(msg);
      if (first === 22 && isHelloVerifyRequest(msg)) {
        if (seenHelloVerify) {
          helloVerifies++;
          return;
        }
        seenHelloVerify = true;
      }
      for (const l of werift) l(msg, rinfo);
    };
    socket.removeAllListeners('message');
    socket.on('message', filter);
    return { socket, werift, filter };
  });
  let attached = true;
  return {
    tapMedia: (f) => {
      onMedia = f;
    },
    decrypt: (b) => {
      try {
        return internals.dtlsTransports[0]?.srtp?.decrypt(b);
      } catch {
        return undefined;
      }
    },
    get duplicateHelloVerifies() {
      return helloVerifies;
    },
    detach: () => {
      if (!attached) return;
      attached = false;
      onMedia = undefined;
      for (const { socket, werift, filter } of installed) {
        socket.off('message', filter);
        for (const l of werift) socket.on('message', l);
      }
    },
  };
}

/**
 * Calls `ready` once `pc`'s DTLS transport is connected and keyed (its SRTP session exists), or
 * `failed` if it fails or closes first. Not the peer connection's `connected` state: werift 0.25.2
 * reports that early when a renegotiation (a second offer) arrives while the first DTLS handshake
 * is still running (`RTCPeerConnection.connect()` returns at once once ICE is connected).
 */
export function whenSrtpReady(pc: RTCPeerConnection, ready: () => void, failed: (state: string) => void): void {
  const dtls = (pc as unknown as Internals).dtlsTransports[0];
  if (!dtls) return failed('no DTLS transport');
  if (dtls.state === 'connected' && dtls.srtp) return ready();
  const sub = dtls.onStateChange.subscribe((state) => {
    if (state === 'connected' && dtls.srtp) {
      sub.unSubscribe();
      ready();
    } else if (state === 'failed' || state === 'closed') {
      sub.unSubscribe();
      failed(state);
    }
  });
}
