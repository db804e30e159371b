/**
 * Caps the TCP connections one remote address may hold open on the server's port (HTTP, upgrades
 * in progress and WebSockets alike), so one client cannot exhaust file descriptors or memory with
 * thousands of sockets; and bounds how long a half-open request may take to send its headers.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.ts';

/** A request (or an upgrade) must have sent its headers within this long. */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * How often the HTTP server looks for requests past {@link HEADERS_TIMEOUT_MS}: pass it to
 * `createServer` as `connectionsCheckingInterval`. Node's default (30 s) let a half-open upgrade
 * live up to 40 s instead of 10.
 */
export const CONNECTIONS_CHECK_MS = 1000;

/**
 * Refuses connections beyond `maxPerAddress` from one address (they are closed at once) and sets
 * the server's header and request timeouts. Returns the live count per address (for tests).
 */
export function limitConnections(server: Server, maxPerAddress: number, log: Logger): Map<string, number> {
  const open = new Map<string, number>();
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = HEADERS_TIMEOUT_MS + 5000;
  let warned = 0;
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '?';
    const n = (open.get(addr) ?? 0) + 1;
    if (n > maxPerAddress) {
      socket.destroy();
      const now = performance.now();
      if (now - warned > 10_000) {
        warned = now;
        log.warn('connection limit per address reached: refusing', { address: addr, max: maxPerAddress });
      }
      return;
    }
    open.set(addr, n);
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left <= 0) open.delete(addr);
      else open.set(addr, left);
    });
  });
  return open;
}
