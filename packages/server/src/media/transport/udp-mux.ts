/**
 * Single-port mode: one UDP socket for the media of every connection of the server (as
 * mediasoup's `WebRtcServer`). Each ICE agent opens a {@link MuxLink}; the socket's datagrams
 * are handed to their agent by the {@link DemuxTable}, and agents send through the same socket
 * (the fast send path writes to {@link UdpMux.socket} directly). Nothing that arrives can throw
 * out of the socket's handler: unroutable datagrams are dropped and counted.
 * @module
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DemuxTable, type DropReason, type MuxEntry, type MuxPeer, type TableSize } from './demux-table.ts';

/** Options of {@link UdpMux.bind}. */
export interface UdpMuxOptions {
  /** UDP port to bind. */
  port: number;
  /** IPv4 address to bind (default 0.0.0.0: every interface). */
  address?: string;
  /** Kernel receive and send buffer size asked for (bytes, default 4 MiB; the kernel may cap it). */
  bufferBytes?: number;
  /** Told about socket errors (a send to an unreachable address, …) and agents that threw. */
  onError?: (message: string, err: unknown) => void;
}

/** Figures of a {@link UdpMux} for `/healthz` and tests. */
export interface UdpMuxStats extends TableSize {
  /** Datagrams received on the port. */
  received: number;
  /** Datagrams dropped, by reason. */
  dropped: Record<DropReason, number>;
}

/** One ICE agent's use of the shared port. */
export class MuxLink {
  readonly #mux: UdpMux;
  readonly #table: DemuxTable;
  readonly #entry: MuxEntry;
  #closed = false;

  /** @internal made by {@link UdpMux.open} */
  constructor(mux: UdpMux, table: DemuxTable, entry: MuxEntry) {
    this.#mux = mux;
    this.#table = table;
    this.#entry = entry;
  }

  /** The shared socket (the fast send path writes to it). */
  get socket(): Socket {
    return this.#mux.socket;
  }

  /** The shared port. */
  get port(): number {
    return this.#mux.port;
  }

  /** The agent's current local ufrag (undefined before the first {@link renewUfrag}). */
  get ufrag(): string | undefined {
    return this.#entry.ufrags[0];
  }

  /** Whether {@link close} was called, or the shared socket closed. */
  get closed(): boolean {
    return this.#closed || this.#mux.closed;
  }

  /**
   * Gives the agent a new local ufrag, unique on the port (64 random bits), and returns it. Its
   * earlier ufrags stay routable for a while (an ICE restart in progress).
   */
  renewUfrag(): string {
    let ufrag: string;
    do ufrag = randomBytes(8).toString('hex');
    while (this.#table.ufragTaken(ufrag));
    this.#table.setUfrag(this.#entry, ufrag);
    return ufrag;
  }

  /** Sends one datagram to `ip`:`port` (dropped once closed). */
  send(data: Buffer, ip: string, port: number): void {
    if (this.closed) return;
    this.#table.noteSent(this.#entry, data);
    this.#mux.socket.send(data, port, ip);
  }

  /** Leaves the port: the agent's ufrags, addresses and transactions are forgotten. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#table.remove(this.#entry);
  }
}

/** The shared UDP socket and its demultiplexing table. */
export class UdpMux {
  /** The socket every connection sends and receives on. */
  readonly socket: Socket;
  /** The bound port. */
  readonly port: number;
  /** The bound address. */
  readonly address: string;
  /** The demultiplexing table (exposed for inspection). */
  readonly table: DemuxTable;
  #received = 0;
  #closed = false;
  readonly #onError: (message: string, err: unknown) => void;

  private constructor(socket: Socket, table: DemuxTable, onError: (message: string, err: unknown) => void) {
    this.socket = socket;
    this.table = table;
    this.#onError = onError;
    const a = socket.address();
    this.port = a.port;
    this.address = a.address;
    socket.on('message', (data, rinfo) => this.#onMessage(data, rinfo.address, rinfo.port));
  }

  /** Binds the shared socket; rejects with a clear error when the port cannot be bound. */
  static async bind(options: UdpMuxOptions): Promise<UdpMux> {
    const buffer = options.bufferBytes ?? 4 * 1024 * 1024;
    const socket = createSocket({ type: 'udp4', recvBufferSize: buffer, sendBufferSize: buffer });
    const address = options.address ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => {
        socket.close();
        reject(new Error(`cannot bind the media UDP port ${address}:${options.port}: ${e.message}`));
      });
      socket.bind({ port: options.port, address, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners('error');
    const onError = options.onError ?? (() => undefined);
    // a send error (unreachable address, …) is reported here; it must never end the process
    socket.on('error', (e) => onError('media UDP socket error', e));
    return new UdpMux(socket, new DemuxTable(), onError);
  }

  /** Adds an ICE agent to the port; it gets datagrams once it has a ufrag ({@link MuxLink.renewUfrag}). */
  open(peer: MuxPeer): MuxLink {
    return new MuxLink(this, this.table, this.table.add(peer));
  }

  /** Current figures. */
  stats(): UdpMuxStats {
    return { ...this.table.size, received: this.#received, dropped: { ...this.table.dropped } };
  }

  /** Whether the socket was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket (links then send nothing). */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #onMessage(data: Buffer, ip: string, port: number): void {
    this.#received++;
    try {
      const r = this.table.route(data, ip, port);
      if (r) r.entry.peer.receive(data, r.from);
    } catch (e) {
      this.#onError('a media datagram could not be handled', e);
    }
  }
}
