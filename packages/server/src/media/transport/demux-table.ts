/**
 * Who gets a datagram that arrived on the shared media port. Pure bookkeeping, no sockets:
 *
 * - an ICE check (STUN Binding request) goes to the agent whose local ufrag opens its USERNAME
 *   (`localUfrag:remoteUfrag`), if its MESSAGE-INTEGRITY verifies with that agent's password;
 *   the sender's address then belongs to that agent (learned again from the next valid check
 *   after a NAT rebinding, a network switch or an ICE restart);
 * - a STUN response goes to the agent that sent the request with its transaction id (an agent's
 *   own check may be answered before the remote ever checked from that address);
 * - anything else (DTLS, SRTP, SRTCP, other STUN) goes to the owner of its source address;
 * - the rest is dropped and counted by reason.
 *
 * An agent keeps its current ufrag and a few earlier ones (the remote may check with the old
 * credentials until an ICE restart completes), and a bounded number of addresses (the least
 * recently confirmed ones go first). Removing an agent removes all of it.
 * @module
 */
import { isStun, receiverUfrag, stunClass, stunMethod, METHOD_BINDING, transactionKey, username, verifyIntegrity } from './stun.ts';

/** A remote transport address: IPv4 address and port. */
export type RemoteAddress = readonly [ip: string, port: number];

/** One ICE agent (one werift connection) sharing the port. */
export interface MuxPeer {
  /** The agent's short-term password for its local ufrag `ufrag` (current or earlier); undefined when it is not the agent's. */
  password(ufrag: string): string | undefined;
  /** A datagram for the agent, from `from`. */
  receive(data: Buffer, from: RemoteAddress): void;
}

/** Why a datagram was dropped. */
export type DropReason = 'unknownAddress' | 'unknownUfrag' | 'badIntegrity';

/** An agent's entry in the table. */
export interface MuxEntry {
  readonly peer: MuxPeer;
  /** Its local ufrags, the current one first. */
  readonly ufrags: readonly string[];
  /** Whether it was removed. */
  readonly removed: boolean;
}

/** A learned address and its owner (handed to the owner with every datagram from it). */
export interface Route {
  readonly entry: MuxEntry;
  readonly from: RemoteAddress;
}

/** Entry sizes of a {@link DemuxTable}: all 0 once every agent was removed. */
export interface TableSize {
  peers: number;
  ufrags: number;
  addresses: number;
  transactions: number;
}

/** Limits and clock of a {@link DemuxTable}. */
export interface DemuxTableOptions {
  /** Addresses one agent may own at once (default 16). */
  maxAddressesPerPeer?: number;
  /** Earlier ufrags an agent keeps routable after an ICE restart (default 2). */
  previousUfrags?: number;
  /** How long an outgoing request's transaction id routes its response (ms, default 30 000). */
  transactionTtlMs?: number;
  /** Clock (ms). */
  now?: () => number;
}

interface Entry extends MuxEntry {
  ufrags: string[];
  removed: boolean;
  /** Learned addresses, least recently confirmed first (key `ip:port`). */
  readonly addresses: Map<string, Route>;
  /** Transaction ids of its requests awaiting a response. */
  readonly transactions: Set<string>;
}

const SWEEP_EVERY_MS = 5000;

/** The demultiplexing table of one shared port. */
export class DemuxTable {
  readonly #entries = new Set<Entry>();
  readonly #byUfrag = new Map<string, Entry>();
  /** ip → port → route: no string is built per packet. */
  readonly #byAddress = new Map<string, Map<number, Route>>();
  readonly #byTransaction = new Map<string, { entry: Entry; at: number }>();
  readonly #maxAddresses: number;
  readonly #previousUfrags: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #lastSweep: number;
  #addressCount = 0;
  /** Datagrams dropped, by reason. */
  readonly dropped: Record<DropReason, number> = { unknownAddress: 0, unknownUfrag: 0, badIntegrity: 0 };

  constructor(options: DemuxTableOptions = {}) {
    this.#maxAddresses = options.maxAddressesPerPeer ?? 16;
    this.#previousUfrags = options.previousUfrags ?? 2;
    this.#ttlMs = options.transactionTtlMs ?? 30_000;
    this.#now = options.now ?? (() => performance.now());
    this.#lastSweep = this.#now();
  }

  /** Adds an agent (with no ufrag yet: see {@link setUfrag}). */
  add(peer: MuxPeer): MuxEntry {
    const e: Entry = { peer, ufrags: [], removed: false, addresses: new Map(), transactions: new Set() };
    this.#entries.add(e);
    return e;
  }

  /** Whether some agent owns `ufrag`. */
  ufragTaken(ufrag: string): boolean {
    return this.#byUfrag.has(ufrag);
  }

  /**
   * Makes `ufrag` the agent's current local ufrag; its previous ones stay routable (up to
   * the configured number). Throws when another agent owns `ufrag`.
   */
  setUfrag(entry: MuxEntry, ufrag: string): void {
    const e = this.#own(entry);
    const owner = this.#byUfrag.get(ufrag);
    if (owner && owner !== e) throw new Error(`ICE ufrag "${ufrag}" is already used by another connection on the shared port`);
    if (e.ufrags[0] === ufrag) return;
    e.ufrags = [ufrag, ...e.ufrags.filter((u) => u !== ufrag)];
    this.#byUfrag.set(ufrag, e);
    while (e.ufrags.length > 1 + this.#previousUfrags) {
      const old = e.ufrags.pop()!;
      if (this.#byUfrag.get(old) === e) this.#byUfrag.delete(old);
    }
  }

  /**
   * Notes a datagram the agent sends: when it is a STUN request, its response will be routed
   * back by transaction id.
   */
  noteSent(entry: MuxEntry, data: Buffer): void {
    if (data.length < 20 || data[0]! > 3 || !isStun(data) || stunClass(data) !== 'request') return;
    const e = this.#own(entry);
    const now = this.#now();
    const key = transactionKey(data);
    this.#byTransaction.set(key, { entry: e, at: now });
    e.transactions.add(key);
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
  }

  /** Forgets transaction ids older than the TTL (responses that never came). */
  sweep(now = this.#now()): void {
    this.#lastSweep = now;
    for (const [key, t] of this.#byTransaction) {
      if (now - t.at < this.#ttlMs) continue;
      this.#byTransaction.delete(key);
      t.entry.transactions.delete(key);
    }
  }

  /**
   * The agent a valid ICE check is for: its USERNAME opens with one of the agent's ufrags and
   * its MESSAGE-INTEGRITY verifies with that ufrag's password. Counts the drop otherwise.
   * (Also how a TCP connection is claimed: by its first check.)
   */
  authenticate(check: Buffer): MuxEntry | undefined {
    const user = username(check);
    const ufrag = user === undefined ? undefined : receiverUfrag(user);
    const e = ufrag === undefined ? undefined : this.#byUfrag.get(ufrag);
    if (!e) {
      this.dropped.unknownUfrag++;
      return undefined;
    }
    const password = e.peer.password(ufrag!);
    if (password === undefined || !verifyIntegrity(check, password)) {
      this.dropped.badIntegrity++;
      return undefined;
    }
    return e;
  }

  /**
   * Where a datagram from `ip`:`port` goes, or undefined (dropped and counted). A valid ICE
   * check also makes the address its agent's.
   */
  route(data: Buffer, ip: string, port: number): Route | undefined {
    // RFC 7983: a first byte of 0–3 is STUN; anything else is routed by address only
    if (data.length >= 20 && data[0]! <= 3 && isStun(data)) {
      const cls = stunClass(data);
      if (cls === 'request' && stunMethod(data) === METHOD_BINDING) {
        const e = this.authenticate(data) as Entry | undefined;
        return e ? this.#learn(e, ip, port) : undefined;
      }
      if (cls === 'success' || cls === 'error') {
        const key = transactionKey(data);
        const t = this.#byTransaction.get(key);
        if (t) {
          this.#byTransaction.delete(key);
          t.entry.transactions.delete(key);
          const known = this.#byAddress.get(ip)?.get(port);
          return known?.entry === t.entry ? known : { entry: t.entry, from: [ip, port] };
        }
      }
    }
    const r = this.#byAddress.get(ip)?.get(port);
    if (!r) this.dropped.unknownAddress++;
    return r;
  }

  /** Removes an agent: its ufrags, addresses and pending transactions. */
  remove(entry: MuxEntry): void {
    const e = entry as Entry;
    if (e.removed || !this.#entries.has(e)) return;
    e.removed = true;
    this.#entries.delete(e);
    for (const u of e.ufrags) if (this.#byUfrag.get(u) === e) this.#byUfrag.delete(u);
    for (const r of e.addresses.values()) this.#forgetAddress(r);
    e.addresses.clear();
    for (const key of e.transactions) this.#byTransaction.delete(key);
    e.transactions.clear();
  }

  /** Current entry counts. */
  get size(): TableSize {
    return { peers: this.#entries.size, ufrags: this.#byUfrag.size, addresses: this.#addressCount, transactions: this.#byTransaction.size };
  }

  #own(entry: MuxEntry): Entry {
    const e = entry as Entry;
    if (e.removed || !this.#entries.has(e)) throw new Error('connection is no longer on the shared port');
    return e;
  }

  #learn(e: Entry, ip: string, port: number): Route {
    const key = `${ip}:${port}`;
    let ports = this.#byAddress.get(ip);
    const known = ports?.get(port);
    if (known?.entry === e) {
      // confirmed again: now the most recent
      e.addresses.delete(key);
      e.addresses.set(key, known);
      return known;
    }
    if (known) (known.entry as Entry).addresses.delete(key);
    else this.#addressCount++;
    const r: Route = { entry: e, from: [ip, port] };
    if (!ports) this.#byAddress.set(ip, (ports = new Map()));
    ports.set(port, r);
    e.addresses.set(key, r);
    if (e.addresses.size > this.#maxAddresses) {
      const [oldestKey, oldest] = e.addresses.entries().next().value!;
      e.addresses.delete(oldestKey);
      this.#forgetAddress(oldest);
    }
    return r;
  }

  #forgetAddress(r: Route): void {
    const [ip, port] = r.from;
    const ports = this.#byAddress.get(ip);
    if (ports?.get(port) !== r) return;
    ports.delete(port);
    if (ports.size === 0) this.#byAddress.delete(ip);
    this.#addressCount--;
  }
}
