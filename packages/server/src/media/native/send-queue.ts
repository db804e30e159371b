/**
 * The JavaScript side of the native send queue: which `dgram` sockets it may write to, and when
 * it is flushed. A datagram queued during an event-loop turn leaves at the end of that turn (one
 * `setImmediate` per turn, after the turn's I/O callbacks: one `sendmmsg` per socket for all of
 * them), or earlier when 128 are waiting or the oldest has waited 2 ms (the module checks both
 * as it queues: LiveKit's `batch_io` limits).
 *
 * The descriptor is read from Node's socket handle (the `dgram` internals; a socket that is not
 * bound or is closed has none) and duplicated by the module, so a datagram always leaves through
 * the socket it was queued for: if Node closes its descriptor first, the module's copy keeps the
 * socket until it is flushed, when the socket's `close` event comes. Owning a socket of our own
 * on the same port (`SO_REUSEPORT`) was not an option: the kernel would spread the port's
 * incoming datagrams (STUN, DTLS, RTP, RTCP) over both sockets, and the copy reads nothing.
 * @module
 */
import type { Socket } from 'node:dgram';
import type { NativeAddon, NativeSocket } from './addon.ts';

/** The socket's native twin: undefined until made, null when it cannot be (IPv6, no descriptor). */
const twins = new WeakMap<Socket, NativeSocket | null>();
let stateSymbol: symbol | undefined;
/** The module whose queue a flush is scheduled for (one per process). */
let scheduled: NativeAddon | undefined;

// named, and made once (no closure per turn): CPU profiles show the native flush (its sendmmsg
// calls) under this name
function flushNativeQueue(): void {
  const addon = scheduled;
  scheduled = undefined;
  addon?.flush();
}

/** The `dgram` socket's libuv handle, or null once closed (Node's internal state). */
function handleOf(socket: Socket): { fd?: number } | null | undefined {
  if (!stateSymbol) stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (!stateSymbol) return undefined;
  const state = (socket as unknown as Record<symbol, { handle?: { fd?: number } | null } | undefined>)[stateSymbol];
  return state?.handle;
}

/** The descriptor of a bound, open `dgram` socket, or undefined (not bound, closed, internals changed). */
export function descriptorOf(socket: Socket): number | undefined {
  const fd = handleOf(socket)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * The module's socket for `socket`, or undefined when the module cannot send on it (an IPv6
 * socket, no descriptor, closed): the caller sends through `dgram` instead.
 */
export function nativeSocketOf(addon: NativeAddon, socket: Socket): NativeSocket | undefined {
  const known = twins.get(socket);
  const handle = handleOf(socket);
  if (!handle) return undefined;
  if (known !== undefined) return known ?? undefined;
  const fd = handle.fd;
  if ((socket as unknown as { type?: string }).type !== 'udp4' || typeof fd !== 'number' || fd < 0) {
    twins.set(socket, null);
    return undefined;
  }
  let twin: NativeSocket;
  try {
    twin = addon.openSocket(fd);
  } catch {
    twins.set(socket, null);
    return undefined;
  }
  twins.set(socket, twin);
  socket.once('close', () => addon.closeSocket(twin));
  return twin;
}

/** Makes sure what is queued now leaves at the end of this event-loop turn. */
export function flushThisTurn(addon: NativeAddon): void {
  if (scheduled) return;
  scheduled = addon;
  setImmediate(flushNativeQueue);
}

/** `a.b.c.d` as a 32-bit number, or -1 when it is not an IPv4 address. */
export function ipv4Number(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return -1;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return -1;
    n = n * 256 + b;
  }
  return n;
}
