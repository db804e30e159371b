/**
 * Where the fast path sends one stream of a subscriber connection: its payload type and SSRC,
 * the transport-wide CC extension id, the nominated ICE pair, its socket and remote address.
 *
 * Reading these from werift per packet walks some ten objects (sender, codec, DTLS transport,
 * ICE transport, agent, pair, protocol, UDP transport, socket…). With hundreds of legs, each
 * forwarded packet's walk misses the CPU caches: in an audio room of 400 listeners those loads
 * were a quarter of the server's busy time. A route is read once and kept, in one object, until
 * something it was read from may have changed:
 * - the DTLS transport or the ICE agent changes state (their events);
 * - the connection is renegotiated ({@link LegRoute.invalidate});
 * - and in any case after {@link ROUTE_RECHECK_MS} (werift changes a few things without an
 *   event: an ICE restart drops the nominated pair silently until the new one is connected).
 *
 * Only a usable route is kept: while DTLS is not up or no pair can send, every packet reads
 * werift's state again, so the first packet after the connection comes up leaves at once.
 * @module
 */
import type { Socket } from 'node:dgram';
import { TWCC_EXTENSION_URI } from './downlink-cc.ts';
import type { WeriftSrtpContext } from './session-protector.ts';

/** A nominated ICE pair of werift, the parts the fast path uses. */
export interface NominatedPair {
  remoteAddr: readonly [string, number];
  /** UDP pairs have a transport with a socket; ICE-TCP pairs have none and frame what `sendData` gets (RFC 4571). */
  protocol: { transport?: { socket?: Socket; closed?: boolean }; sendData?(data: Buffer, addr: readonly [string, number]): Promise<void> };
}

/** A werift event (`Event.subscribe`), as far as the route listens to it. */
interface StateEvent {
  subscribe(fn: () => void): unknown;
}

/** werift internals the fast path reads (stable across 0.25.x; checked at run time). */
export interface WeriftSenderInternals {
  ssrc: number;
  rtxSsrc: number;
  rtxPayloadType: number | undefined;
  codec: { payloadType: number } | undefined;
  cname: string | undefined;
  /** The negotiated header extensions of the m-line. */
  headerExtensions?: readonly { id: number; uri: string }[];
  dtlsTransport:
    | {
        state: string;
        srtp?: { localContext?: WeriftSrtpContext };
        onStateChange?: StateEvent;
        iceTransport: {
          connection: {
            canSendApplicationData(): boolean;
            nominated?: NominatedPair;
            stateChanged?: StateEvent;
          };
        };
        sendRtcp(packets: { serialize(): Buffer }[]): Promise<void>;
      }
    | undefined;
}

/** The longest a route is kept without reading werift's state again (ms). */
export const ROUTE_RECHECK_MS = 500;

/**
 * One stream's route, kept between packets (see the module notes). The fast sender extends it:
 * the route's fields then live in the sender's own object, one cache line away from what the
 * sender reads per packet anyway.
 */
export class LegRoute {
  readonly #sender: WeriftSenderInternals;
  /** Whether the leg numbers packets for transport-wide CC (the id is 0 otherwise). */
  readonly #numbers: boolean;
  /** Until when the route holds without a read (performance.now() ms); 0: read at the next use. */
  #until = 0;
  /** The payload type and SSRC of the stream. */
  pt = 0;
  ssrc = 0;
  /** The negotiated transport-wide CC extension id, 0 when not negotiated (or not numbering). */
  ccId = 0;
  /** The nominated pair, its UDP socket (undefined for ICE-TCP) and remote address. */
  pair: NominatedPair | undefined;
  socket: Socket | undefined;
  to: readonly [string, number] = ['', 0];
  /** The werift objects whose state events this route listens to. */
  readonly #watched = new WeakSet<object>();
  /** The extension list the id was read from, and the pair the address was read from (werift makes a new tuple per read). */
  #extsFrom: readonly { id: number; uri: string }[] | undefined;

  /**
   * @param sender werift's sender of the stream
   * @param numbers whether the leg writes transport-wide sequence numbers
   */
  constructor(sender: WeriftSenderInternals, numbers: boolean) {
    this.#sender = sender;
    this.#numbers = numbers;
  }

  /** Whether the kept route holds at `now` without reading werift's state. */
  fresh(now: number): boolean {
    return now < this.#until;
  }

  /**
   * True when the stream can be sent now: the kept route, or werift's state read again when it
   * is stale (and kept when usable). False: DTLS is not connected, no pair can send, no codec.
   */
  ready(now: number): boolean {
    return now < this.#until || this.#read(now);
  }

  /** Drops the kept route: the next use reads werift's state. */
  invalidate(): void {
    this.#until = 0;
  }

  #read(now: number): boolean {
    this.#until = 0;
    const s = this.#sender;
    const dtls = s.dtlsTransport;
    if (!dtls || dtls.state !== 'connected' || !s.codec) return false;
    const conn = dtls.iceTransport.connection;
    this.#watch(dtls, dtls.onStateChange);
    this.#watch(conn, conn.stateChanged);
    const pair = conn.nominated;
    const transport = pair?.protocol.transport;
    const socket = transport?.socket;
    // a UDP pair: one datagram on its socket; an ICE-TCP pair: a framed write by werift
    if (!pair || (socket ? transport!.closed : !pair.protocol.sendData) || !conn.canSendApplicationData()) return false;
    if (pair !== this.pair) {
      this.pair = pair;
      this.to = pair.remoteAddr;
    }
    this.socket = socket;
    this.pt = s.codec.payloadType;
    this.ssrc = s.ssrc;
    const exts = s.headerExtensions;
    if (exts !== this.#extsFrom) {
      this.#extsFrom = exts;
      const id = this.#numbers ? (exts?.find((e) => e.uri === TWCC_EXTENSION_URI)?.id ?? 0) : 0;
      this.ccId = id > 0 && id < 15 ? id : 0;
    }
    this.#until = now + ROUTE_RECHECK_MS;
    return true;
  }

  /** Drops the route whenever `owner` (a DTLS transport or an ICE agent) changes state. */
  #watch(owner: object, event: StateEvent | undefined): void {
    if (!event || this.#watched.has(owner)) return;
    this.#watched.add(owner);
    event.subscribe(() => this.invalidate());
  }
}
