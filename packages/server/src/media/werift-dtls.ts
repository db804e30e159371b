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
 *   now kept and handed to the DTLS endpoint the moment it is made.
 * @module
 */
import type { RTCPeerConnection } from 'werift';
import { eachDtlsTransport, type DtlsTransportInternals } from './werift-ice.ts';

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
    const replay = early;
    early = [];
    for (const data of replay) conn.onData.execute(data);
    return started;
  };
}
