/**
 * ICE over TCP on the shared port (RFC 6544 passive candidates, RFC 4571 framing): one TCP
 * listener for every connection of the server. An accepted TCP connection belongs to the agent
 * its first frame — an ICE check — authenticates for (same ufrag and MESSAGE-INTEGRITY rule as
 * UDP, {@link DemuxTable.authenticate}); it is then handed, unread bytes included, to that
 * agent, which frames and answers it from then on. A connection that sends anything else, too
 * much, or nothing in time is closed.
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { DemuxTable, RemoteAddress } from './demux-table.ts';
import { isBindingRequest } from './stun.ts';

/** An ICE agent that can take over a TCP connection on the shared port. */
export interface TcpMuxPeer {
  /**
   * Takes over `socket` (paused, its first frame unread again) from `from`: it must listen for
   * `data` before returning true, as the socket is resumed right after. False when the agent
   * has no passive TCP candidate (the connection is then closed).
   */
  acceptTcp(socket: Socket, from: RemoteAddress): boolean;
}

/** Options of {@link TcpMux.listen}. */
export interface TcpMuxOptions {
  /** TCP port to listen on. */
  port: number;
  /** IPv4 address to listen on (default 0.0.0.0). */
  address?: string;
  /** The UDP port's table: TCP connections are claimed with the same ufrags and passwords. */
  table: DemuxTable;
  /** Connections still waiting for their first frame, at most (default 256; more are closed). */
  maxPending?: number;
  /** How long a new connection may take to send its first frame (ms, default 5000). */
  firstFrameTimeoutMs?: number;
}

/** Figures of a {@link TcpMux}. */
export interface TcpMuxStats {
  /** TCP connections accepted. */
  accepted: number;
  /** Connections handed to their agent. */
  claimed: number;
  /** Connections closed unclaimed (bad first frame, unknown ufrag, timeout, too many pending). */
  rejected: number;
  /** Connections waiting for their first frame now. */
  pending: number;
}

/** An ICE check is small: a first frame larger than this is not one. */
const MAX_FIRST_FRAME = 1024;

/** The shared ICE-TCP listener. */
export class TcpMux {
  readonly #server: Server;
  readonly #table: DemuxTable;
  readonly #pending = new Set<Socket>();
  /** Every open connection, claimed or not (closed with the listener). */
  readonly #open = new Set<Socket>();
  readonly #maxPending: number;
  readonly #timeoutMs: number;
  /** The bound port. */
  readonly port: number;
  readonly #stats = { accepted: 0, claimed: 0, rejected: 0 };

  private constructor(server: Server, options: TcpMuxOptions) {
    this.#server = server;
    this.#table = options.table;
    this.#maxPending = options.maxPending ?? 256;
    this.#timeoutMs = options.firstFrameTimeoutMs ?? 5000;
    const a = server.address();
    this.port = a && typeof a === 'object' ? a.port : options.port;
    server.on('connection', (s) => this.#accept(s));
  }

  /** Listens on the port; rejects with a clear error when it cannot. */
  static async listen(options: TcpMuxOptions): Promise<TcpMux> {
    const server = createServer({ pauseOnConnect: false, noDelay: true });
    const address = options.address ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new Error(`cannot listen on the media TCP port ${address}:${options.port}: ${e.message}`)));
      server.listen({ port: options.port, host: address, exclusive: true }, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', () => undefined);
    return new TcpMux(server, options);
  }

  /** Current figures. */
  stats(): TcpMuxStats {
    return { ...this.#stats, pending: this.#pending.size };
  }

  /** Stops listening and closes every connection, claimed or not (server shutdown). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#open) s.destroy();
    this.#pending.clear();
    return closed;
  }

  #accept(socket: Socket): void {
    this.#stats.accepted++;
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
    socket.on('error', () => undefined);
    const from: RemoteAddress | undefined = socket.remoteAddress && socket.remotePort ? [socket.remoteAddress.replace(/^::ffff:/, ''), socket.remotePort] : undefined;
    if (!from || this.#pending.size >= this.#maxPending) return this.#reject(socket);
    this.#pending.add(socket);
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => this.#reject(socket), this.#timeoutMs);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      this.#pending.delete(socket);
    };
    const onClose = (): void => done();
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const frameLength = buffered.readUInt16BE(0);
      if (frameLength > MAX_FIRST_FRAME) {
        done();
        return this.#reject(socket);
      }
      if (buffered.length < 2 + frameLength) return;
      done();
      const frame = buffered.subarray(2, 2 + frameLength);
      const entry = isBindingRequest(frame) ? this.#table.authenticate(frame) : undefined;
      const peer = entry?.peer as Partial<TcpMuxPeer> | undefined;
      socket.pause();
      socket.unshift(buffered);
      let taken = false;
      try {
        taken = peer?.acceptTcp?.(socket, from) ?? false;
      } catch {
        taken = false;
      }
      if (!taken) return this.#reject(socket);
      this.#stats.claimed++;
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  }

  #reject(socket: Socket): void {
    this.#pending.delete(socket);
    this.#stats.rejected++;
    socket.destroy();
  }
}
