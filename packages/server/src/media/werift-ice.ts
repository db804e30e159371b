/**
 * werift's ICE agent (0.25.2, pinned exactly), changed where an SFU needs it; part of the werift
 * adapter (werift-adapter.ts re-exports it).
 *
 * - **Consent on a queued link** ({@link patientConsent}): werift sends a consent check every
 *   4–6 s without retransmission and waits max(500 ms, 2 × RTT + 200 ms) for its answer, the RTT
 *   being that of the last answer. On a link whose queue holds more than ~half a second (a
 *   capped mobile link, a 40 kbps link carrying a 50 kbps audio stream), every answer comes
 *   late, is discarded, and consent expires after 30 s although media and RTCP flow both ways:
 *   the connection fails. RFC 7675 only bounds consent by the 30 s without an answer; the wait
 *   for one answer is ours to choose, so an answer is accepted up to {@link CONSENT_ANSWER_WAIT_MS}.
 *   On such a link the queue also drops: six lost checks in a row (one every 4–6 s) fail the
 *   connection too, so over UDP a check is sent again 0.5 s and 1.5 s later within that wait, as
 *   other STUN requests are (libnice does the same); any of its answers counts. Over UDP the
 *   checks of a pair that carries media, and their answers, are written and read below werift
 *   (werift-consent.ts).
 * - **One media port** ({@link useSharedPort}): werift's ICE agent binds a UDP socket per host
 *   address of every connection; in single-port mode its sockets are replaced by views of the
 *   server's one shared socket (and its passive ICE-TCP listener by the shared TCP listener).
 * - **Arrival times** ({@link stampArrivals}): a UDP datagram's handling is bracketed for an
 *   {@link ArrivalClock}, which then knows the kernel's receive time of the packet werift routes.
 * @module
 */
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import type { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';
import type { MuxPeer, RemoteAddress } from './transport/demux-table.ts';
import { isStun, transactionKey } from './transport/stun.ts';
import type { MuxLink, UdpMux } from './transport/udp-mux.ts';
import type { TcpMux, TcpMuxPeer } from './transport/tcp-mux.ts';
import type { ArrivalClock } from './transport/arrival-clock.ts';
import { CONSENT_ANSWER_WAIT_MS, CONSENT_FIRST_RESEND_MS, CONSENT_RESENDS, sendConsentCheck, takeConsentMessage, type ConsentAgent, type ConsentProtocol } from './werift-consent.ts';

export { CONSENT_ANSWER_WAIT_MS, CONSENT_FIRST_RESEND_MS, CONSENT_RESENDS };

/** The server's shared media sockets (single-port mode), bound by `startServer`. */
export interface SharedPort {
  /** The one UDP socket of every connection. */
  readonly udp: UdpMux;
  /** The one ICE-TCP listener (passive candidates), when ICE over TCP is on. */
  readonly tcp: TcpMux | undefined;
}

/** werift's UDP STUN protocol (ice/src/stun/protocol.ts): one per host address of an agent. */
interface StunProtocolInternals {
  type: string;
  transport: unknown;
  transactions: Record<string, unknown>;
  connectionMade: (...args: unknown[]) => Promise<void>;
  datagramReceived(data: Buffer, addr: RemoteAddress): void;
}

/** werift's passive ICE-TCP protocol (ice/src/stun/tcpProtocol.ts). */
interface TcpPassiveInternals {
  type: string;
  server: unknown;
  localIp: string | undefined;
  connectionMade: (localIp: string, portRange?: unknown) => Promise<void>;
  registerSocket(socket: TcpSocket, remoteAddr: RemoteAddress): unknown;
}

/** werift's ICE agent (ice/src/ice.ts `Connection`), the parts changed here. */
export interface ConnectionInternals {
  localUsername: string;
  localPassword: string;
  userHistory: Record<string, string>;
  ensureProtocol(protocol: unknown): void;
  close(): Promise<void>;
  /** Every non-STUN datagram of the agent (werift's `Event`). */
  onData: { subscribe(fn: (data: Buffer) => void): { unSubscribe(): void }; execute(data: Buffer): void };
}

/** A DTLS transport of werift (webrtc/src/transport/dtls.ts `RTCDtlsTransport`), the parts used here. */
export interface DtlsTransportInternals {
  state: string;
  start(): Promise<void>;
  iceTransport: { connection: ConnectionInternals };
  /** `server` or `client` once `start` decided (werift sets it synchronously in `start`). */
  role?: string;
  /** The DTLS endpoint, made synchronously in `start`. */
  dtls?: unknown;
}

/** How a connection's ICE agents come to be (webrtc/src/secureTransportManager.ts). */
interface SecureManagerInternals {
  createTransport(options?: unknown): DtlsTransportInternals;
  allDtlsTransports: DtlsTransportInternals[];
}

/**
 * Calls `fn` on every DTLS transport (each with its ICE agent) `pc` has and will have. Throws
 * when werift's internals changed.
 */
export function eachDtlsTransport(pc: RTCPeerConnection, what: string, fn: (dtls: DtlsTransportInternals) => void): void {
  const manager = (pc as unknown as { secureManager?: SecureManagerInternals }).secureManager;
  if (typeof manager?.createTransport !== 'function') throw new Error(`${what}: werift has no secureManager.createTransport (werift version changed?)`);
  const create = manager.createTransport.bind(manager);
  manager.createTransport = (options) => {
    const dtls = create(options);
    fn(dtls);
    return dtls;
  };
  for (const dtls of manager.allDtlsTransports) fn(dtls);
}

/** Calls `fn` on every ICE agent `pc` has and will have. Throws when werift's internals changed. */
function eachIceAgent(pc: RTCPeerConnection, what: string, fn: (conn: ConnectionInternals) => void): void {
  eachDtlsTransport(pc, what, (dtls) => fn(dtls.iceTransport.connection));
}

/** The options werift passes to a STUN protocol's `request` (ice/src/stun/transaction.ts). */
interface RequestOptions {
  retransmissions?: number;
  responseTimeout?: number;
}

/** A STUN protocol's `request` (the UDP, TCP and TURN protocols share its shape). */
type StunRequest = (request: unknown, addr: unknown, integrityKey?: Buffer, options?: unknown, onRequestSent?: unknown) => Promise<unknown>;

/**
 * The options of one STUN request. A single-shot request (werift's consent checks, and its
 * ICE-TCP checks) waits at least {@link CONSENT_ANSWER_WAIT_MS} for its answer; over a datagram
 * transport (`reliable` false) it is also resent {@link CONSENT_RESENDS} times within that wait,
 * as a lost datagram is not resent by anyone else. Other requests (connectivity checks, with
 * their own retransmissions) are left as they are.
 */
export function patientOptions(options: unknown, reliable = false): unknown {
  if (typeof options !== 'object' || options === null) return options;
  const o = options as RequestOptions;
  if (o.retransmissions !== 0 || typeof o.responseTimeout !== 'number' || o.responseTimeout >= CONSENT_ANSWER_WAIT_MS) return options;
  if (reliable) return { ...o, responseTimeout: CONSENT_ANSWER_WAIT_MS };
  return { ...o, retransmissions: CONSENT_RESENDS, responseTimeout: CONSENT_FIRST_RESEND_MS };
}

const patient = new WeakSet<object>();

/**
 * Makes `pc`'s ICE agents wait {@link CONSENT_ANSWER_WAIT_MS} for each consent answer, resending
 * the check over UDP meanwhile (see the module notes), and handles consent on a UDP pair that
 * carries media below werift, both ways (werift-consent.ts): call it right after constructing
 * `pc`. The seam is werift's `Connection.ensureProtocol`, which receives every STUN protocol of
 * the agent (UDP, TCP, TURN) before it is used; each one's `request` then passes its options
 * through {@link patientOptions}, and a UDP protocol's consent messages (its datagrams and its
 * consent loop's requests) go to werift-consent.ts first.
 */
export function patientConsent(pc: RTCPeerConnection): void {
  eachIceAgent(pc, 'consent', (conn) => {
    if (patient.has(conn)) return;
    patient.add(conn);
    const ensure = conn.ensureProtocol.bind(conn);
    conn.ensureProtocol = (protocol: unknown) => {
      const p = protocol as { request?: StunRequest; type?: unknown } & Partial<StunProtocolInternals>;
      if (typeof p.request === 'function') {
        const request = p.request.bind(protocol);
        // werift's ICE-TCP protocols are of type 'tcp'; UDP and TURN (over UDP) resend
        const reliable = p.type === 'tcp';
        // on a UDP protocol, consent on the nominated pair is handled below werift, both ways
        const lean = p.type === 'stun' && typeof p.datagramReceived === 'function';
        const agent = conn as unknown as ConsentAgent;
        const consent = protocol as ConsentProtocol;
        p.request = (req, addr, key, options, onSent) =>
          (lean ? sendConsentCheck(agent, consent, req, addr as RemoteAddress, key, options, onSent as ((attempt: number) => void) | undefined) : undefined) ??
          request(req, addr, key, patientOptions(options, reliable), onSent);
        if (lean) {
          const received = p.datagramReceived!.bind(protocol);
          p.datagramReceived = (data, addr) => {
            if (!takeConsentMessage(agent, consent, data, addr)) received(data, addr);
          };
        }
      }
      ensure(protocol);
    };
  });
}


/**
 * What werift's ICE agent takes for a UDP socket (its `UdpTransport`'s shape), on the shared
 * socket. `socket` is the shared socket itself: the fast send path writes to it directly.
 */
class SharedUdpTransport {
  readonly type = 'udp';
  readonly addressFamily = 4;
  #closed = false;
  readonly #link: MuxLink;
  readonly #host: string;

  constructor(link: MuxLink, host: string) {
    this.#link = link;
    this.#host = host;
  }

  get socket(): Socket {
    return this.#link.socket;
  }

  /** Closed by werift, or the agent or the shared socket closed: the fast path then sends nothing. */
  get closed(): boolean {
    return this.#closed || this.#link.closed;
  }

  get address(): AddressInfo {
    return { address: this.#host, family: 'IPv4', port: this.#link.port };
  }

  get host(): string {
    return this.#host;
  }

  get port(): number {
    return this.#link.port;
  }

  /** werift reads incoming datagrams from the protocol instead (see {@link useSharedPort}). */
  onData: (data: Buffer, addr: RemoteAddress) => void = () => undefined;

  async send(data: Buffer, addr?: RemoteAddress): Promise<void> {
    if (!this.#closed && addr) this.#link.send(data, addr[0], addr[1]);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

const stamping = new WeakSet<object>();

/**
 * Brackets the handling of every UDP datagram `pc`'s ICE agents read (on their own sockets or
 * the shared port) for `clock`: werift handles a datagram synchronously up to routing its RTP,
 * so `clock.arrival()` asked while an RTP packet is routed is that packet's arrival. Call it
 * right after constructing `pc`. TCP and TURN datagrams are not stamped (their arrival is the
 * handling time).
 */
export function stampArrivals(pc: RTCPeerConnection, clock: ArrivalClock): void {
  eachIceAgent(pc, 'arrival stamps', (conn) => {
    if (stamping.has(conn)) return;
    stamping.add(conn);
    const ensure = conn.ensureProtocol.bind(conn);
    conn.ensureProtocol = (protocol: unknown) => {
      const p = protocol as Partial<StunProtocolInternals> & { transport?: { socket?: Socket } };
      if (p.type === 'stun' && typeof p.datagramReceived === 'function') {
        const received = p.datagramReceived.bind(protocol);
        p.datagramReceived = (data, addr) => {
          clock.enter(p.transport?.socket);
          try {
            received(data, addr);
          } finally {
            clock.leave();
          }
        };
      }
      ensure(protocol);
    };
  });
}

const sharing = new WeakSet<object>();

/**
 * Puts every ICE agent of `pc` on the shared port: call it right after constructing `pc`.
 *
 * The seam is werift's `Connection.ensureProtocol`, which receives each UDP STUN protocol (and
 * passive TCP protocol) before its `connectionMade` binds a socket: `connectionMade` is replaced
 * by one that plugs a {@link SharedUdpTransport} in, so the host candidates carry the shared
 * port. The agent's local ufrag (`localUsername`, written by werift at creation and on every
 * ICE restart) becomes an accessor that draws a ufrag unique on the port and keeps the
 * demultiplexing table in step (werift's own are 16 bits: they would collide). `close` leaves
 * the port. Throws when werift's internals are not what this expects (another werift version).
 */
export function useSharedPort(pc: RTCPeerConnection, shared: SharedPort): void {
  eachIceAgent(pc, 'single-port mode', (conn) => shareAgent(conn, shared));
}

function shareAgent(conn: ConnectionInternals, shared: SharedPort): void {
  if (sharing.has(conn)) return;
  if (typeof conn.ensureProtocol !== 'function' || typeof conn.userHistory !== 'object') throw new Error('single-port mode: werift ICE Connection internals changed');
  sharing.add(conn);
  const udp: StunProtocolInternals[] = [];
  const tcp: TcpPassiveInternals[] = [];
  const peer: MuxPeer & TcpMuxPeer = {
    password: (ufrag) => conn.userHistory[ufrag],
    receive: (data, from) => {
      // a STUN response goes to the protocol whose transaction it answers (one per host address)
      let target = udp[0];
      if (udp.length > 1 && data[0] === 1 && isStun(data)) {
        const key = transactionKey(data);
        target = udp.find((p) => key in p.transactions) ?? target;
      }
      target?.datagramReceived(data, from);
    },
    acceptTcp: (socket, from) => {
      const p = tcp[0];
      if (!p) return false;
      p.registerSocket(socket, from);
      return true;
    },
  };
  const link = shared.udp.open(peer);
  const initial = conn.localUsername;
  let ufrag = link.renewUfrag();
  Object.defineProperty(conn, 'localUsername', {
    configurable: true,
    enumerable: true,
    get: () => ufrag,
    // werift's value (ICE restart, inherited credentials) is replaced by one unique on the port
    // (after close the agent is off the port: werift's value is kept, it routes nothing)
    set: (value: string) => void (ufrag = link.closed ? value : link.renewUfrag()),
  });
  delete conn.userHistory[initial];
  conn.userHistory[ufrag] = conn.localPassword;
  const ensure = conn.ensureProtocol.bind(conn);
  conn.ensureProtocol = (protocol: unknown) => {
    const p = protocol as Partial<StunProtocolInternals & TcpPassiveInternals>;
    if (p.type === 'stun' && typeof p.datagramReceived === 'function') {
      const stun = p as StunProtocolInternals;
      stun.connectionMade = async () => {
        stun.transport = new SharedUdpTransport(link, shared.udp.address);
        udp.push(stun);
      };
    } else if (p.type === 'tcp' && p.server !== undefined && typeof p.registerSocket === 'function' && shared.tcp) {
      const passive = p as TcpPassiveInternals;
      const port = shared.tcp.port;
      passive.connectionMade = async (localIp: string) => {
        passive.localIp = localIp;
        tcp.push(passive);
      };
      Object.defineProperty(passive, 'listeningPort', { configurable: true, get: () => port });
    }
    ensure(protocol);
  };
  const close = conn.close.bind(conn);
  conn.close = async () => {
    try {
      await close();
    } finally {
      link.close();
    }
  };
}
