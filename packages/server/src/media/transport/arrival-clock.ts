/**
 * When each received datagram reached this host, for the transport-wide congestion feedback a
 * publisher's browser estimates its bandwidth from.
 *
 * The time a datagram is handled in JavaScript is not when it arrived: while the event loop is
 * busy (a DTLS handshake, another room's burst, a garbage collection), datagrams wait in the
 * socket's queue and are then handled back to back. Reported as arrivals, ten packets a browser
 * paced over 10 ms look received within 1 ms, and the browser rejects its bandwidth probe as
 * impossible (libwebrtc's probe estimator drops a probe whose receive rate exceeds twice its
 * send rate): it then stays at its start estimate. With the native module the kernel's receive
 * time of the datagram being handled is used (SIOCGSTAMPNS: Node's `dgram` reads one datagram
 * and runs its handler before reading the next); without it, the handling time.
 * @module
 */
import type { Socket } from 'node:dgram';
import { descriptorOf } from '../native/send-queue.ts';

/** The native module's receive stamps (`NativeAddon.receivedAgo`). */
export interface ReceiveStamps {
  /** Milliseconds since the kernel received the last datagram read from `fd`; -1 when unknown. */
  receivedAgo(fd: number): number;
}

/** A kernel stamp older than this (ms) is taken as wrong (the clock was set): now() is used. */
const MAX_AGE_MS = 10_000;

/**
 * The arrival time of the datagram being handled: the socket handler brackets its handling
 * with {@link enter} and {@link leave}; {@link arrival} is asked in between.
 */
export class ArrivalClock {
  readonly #stamps: ReceiveStamps | undefined;
  readonly #now: () => number;
  readonly #fds = new WeakMap<Socket, number | null>();
  #socket: Socket | undefined;

  /** @param stamps the native module (none: arrivals are handling times) */
  constructor(stamps?: ReceiveStamps, now: () => number = () => performance.now()) {
    this.#stamps = stamps;
    this.#now = now;
  }

  /** Whether arrivals are the kernel's receive times (the native module is there). */
  get kernelStamps(): boolean {
    return this.#stamps !== undefined;
  }

  /** A datagram read from `socket` is being handled (undefined: a socket without stamps, e.g. TCP). */
  enter(socket: Socket | undefined): void {
    this.#socket = socket;
    if (socket && this.#stamps && !this.#fds.has(socket)) {
      const fd = descriptorOf(socket) ?? null;
      this.#fds.set(socket, fd);
      // the kernel stamps only what arrives after the first ask: ask at the socket's first
      // datagram (a STUN check), long before its first RTP packet
      if (fd !== null) this.#stamps.receivedAgo(fd);
    }
  }

  /** Its handling ended. */
  leave(): void {
    this.#socket = undefined;
  }

  /**
   * When the datagram being handled arrived, on now()'s clock (ms): the kernel's receive time
   * when known, else now().
   */
  arrival(): number {
    const now = this.#now();
    const socket = this.#socket;
    if (!socket || !this.#stamps) return now;
    const fd = this.#fds.get(socket);
    if (fd === undefined || fd === null) return now;
    const ago = this.#stamps.receivedAgo(fd);
    return ago >= 0 && ago < MAX_AGE_MS ? now - ago : now;
  }
}
