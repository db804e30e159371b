/**
 * The URL other nodes hand out for this node when `--public-url` is not given.
 * @module
 */
import { networkInterfaces } from 'node:os';

/**
 * `http://HOST:PORT` for a server listening on `host`: that address, or, listening on every
 * interface, the announced address (`--announced-ip`), else the first non-internal IPv4 address.
 */
export function publicUrlFor(host: string, port: number, announced?: string): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  let name = wildcard ? (announced ?? firstIPv4() ?? '127.0.0.1') : host;
  if (name.includes(':')) name = `[${name}]`;
  return `http://${name}:${port}`;
}

function firstIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
