// When a datagram reached a measuring client's socket, by the kernel's receive stamp, so a
// forwarding delay ends where the SFU's part of it ends: not when the client's event loop got
// round to the datagram. One harness process reads every subscriber's streams (200 werift
// connections at fanout N = 200); its own collections and bursts of work held the datagrams in
// the sockets' queues for up to ~130 ms (its event-loop delay, measured per window), which the
// delay figures then charged to whichever SFU was measured. The server's native module reads the
// stamps (SIOCGSTAMPNS, as the server itself does for its transport-wide feedback); without it
// the handling time is used, and the report says so.
import type { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';
import { loadNativeAddon, type NativeAddon } from '../../packages/server/src/media/native/addon.ts';
import { descriptorOf } from '../../packages/server/src/media/native/send-queue.ts';

/** A stamp older than this (ms) is not the datagram being handled (the clock was set): handling time. */
const MAX_AGE_MS = 10_000;

let loaded: NativeAddon | null | undefined;

/** The native module, loaded once (undefined: not built). */
export function addon(): NativeAddon | undefined {
  if (loaded === undefined) loaded = loadNativeAddon().addon ?? null;
  return loaded ?? undefined;
}

/** werift's ICE agent, as far as the socket of its nominated pair goes (werift 0.25.2, pinned exactly). */
interface IceInternals {
  iceTransports?: { connection?: { nominated?: { protocol?: { transport?: { socket?: Socket } } } } }[];
}

/**
 * A clock for the datagrams `pc` receives: called while werift handles one (its receive path is
 * synchronous from the socket's `message` event to the track's RTP event), it returns when the
 * kernel received that datagram, on `performance.now()`'s clock, or NaN when that is not known (the
 * socket's first datagram: the kernel stamps a socket from the first ask on). Undefined without
 * the native module. The stamp is the last one of the socket of the connection's nominated pair
 * (werift binds one socket per local candidate; media flows on the nominated pair's).
 */
export function arrivalClock(pc: RTCPeerConnection): (() => number) | undefined {
  const native = addon();
  if (!native) return undefined;
  const clocks = new WeakMap<Socket, () => number>();
  return () => {
    const socket = (pc as unknown as IceInternals).iceTransports?.[0]?.connection?.nominated?.protocol?.transport?.socket;
    if (!socket || typeof socket.address !== 'function') return NaN;
    let clock = clocks.get(socket);
    if (!clock) clocks.set(socket, (clock = socketClock(native, socket)));
    return clock();
  };
}

/**
 * The clock of one UDP socket (see {@link arrivalClock}): NaN on its first call, which turns the
 * kernel's stamping on, and for a socket without a descriptor (closed, not bound).
 */
export function socketClock(native: Pick<NativeAddon, 'receivedAgo'>, socket: Socket): () => number {
  const fd = descriptorOf(socket);
  if (fd === undefined) return () => NaN;
  let first = true;
  return () => {
    const t = performance.now();
    const ago = native.receivedAgo(fd);
    if (first) {
      first = false;
      return NaN;
    }
    return ago >= 0 && ago < MAX_AGE_MS ? t - ago : NaN;
  };
}

/**
 * Delay samples of one client: to the kernel's receive time where the clock has it, else to the
 * handling time, with both kept and the stamped ones counted.
 */
export class DelaySamples {
  /** Delays (ms) to each packet's arrival (the kernel's stamp, else its handling). */
  readonly delays: number[] = [];
  /** The same packets' delays to their handling by this process. */
  readonly handledDelays: number[] = [];
  /** How many of {@link delays} ended at a kernel stamp. */
  kernelStamped = 0;

  /** Adds a packet sent at `sent` (performance.now() of the publisher), with `clock` the connection's arrival clock. */
  add(sent: number, clock: (() => number) | undefined): void {
    const handled = performance.now();
    const arrived = clock ? clock() : NaN;
    if (Number.isFinite(arrived)) {
      this.delays.push(arrived - sent);
      this.kernelStamped++;
    } else this.delays.push(handled - sent);
    this.handledDelays.push(handled - sent);
  }

  /** Starts a new window. */
  clear(): void {
    this.delays.length = 0;
    this.handledDelays.length = 0;
    this.kernelStamped = 0;
  }
}
