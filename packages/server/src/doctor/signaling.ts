/**
 * The doctor's signaling check: does an rtcroom server answer `GET /healthz` on `--host:--port`,
 * and if nothing listens there, could `rtcroom serve` bind the port?
 * @module
 */
import { createServer, isIP } from 'node:net';
import { classifyAddress } from './addresses.ts';
import type { Check } from './report.ts';

/** What `/healthz` answers (the fields the report shows). */
export interface HealthSummary {
  status: string;
  uptimeSeconds?: number;
  rooms?: number;
  members?: number;
  sessions?: number;
  media?: { peers?: number };
}

/** The outcome: the report lines and whether an rtcroom server answered. */
export interface SignalingResult {
  checks: Check[];
  /** An rtcroom server answered `/healthz` (its ports are expected to be in use). */
  serverRunning: boolean;
}

/** Where a client on this machine reaches a server listening on `host` (wildcards → loopback). */
export function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** `/healthz`'s JSON in one line, or undefined when it is not rtcroom's. */
export function summarizeHealth(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || (body as HealthSummary).status !== 'ok') return undefined;
  const h = body as HealthSummary;
  const parts: string[] = [];
  if (typeof h.uptimeSeconds === 'number') parts.push(`up ${formatDuration(h.uptimeSeconds)}`);
  if (typeof h.rooms === 'number') parts.push(`${h.rooms} rooms`);
  if (typeof h.members === 'number') parts.push(`${h.members} members`);
  if (typeof h.sessions === 'number') parts.push(`${h.sessions} sessions`);
  if (typeof h.media?.peers === 'number') parts.push(`${h.media.peers} media connections`);
  return parts.join(', ');
}

function formatDuration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** Checks `host:port`: a running rtcroom (its health), or a port `rtcroom serve` could take. */
export async function checkSignaling(host: string, port: number, timeoutMs = 2000): Promise<SignalingResult> {
  const section = 'signaling';
  const target = probeHost(host);
  const url = `http://${target.includes(':') ? `[${target}]` : target}:${port}/healthz`;
  const loopback = host === 'localhost' || (isIP(host) !== 0 && classifyAddress(host) === 'loopback');
  const scope = loopback ? ' (loopback only: browsers elsewhere need a reverse proxy on this machine)' : '';
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if ((e as Error).name === 'TimeoutError') {
      return { serverRunning: false, checks: [{ section, status: 'fail', text: `${host}:${port} accepts connections but no HTTP answer to ${url} in ${timeoutMs} ms: another program holds the port` }] };
    }
    if (code !== 'ECONNREFUSED') {
      return { serverRunning: false, checks: [{ section, status: 'fail', text: `${url}: ${code ?? (e as Error).message}` }] };
    }
    return { serverRunning: false, checks: [await bindCheck(host, port, scope)] };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const summary = res.ok ? summarizeHealth(body) : undefined;
  if (summary === undefined) {
    return { serverRunning: false, checks: [{ section, status: 'fail', text: `${url} answers HTTP ${res.status} but not as rtcroom: another program holds port ${port}` }] };
  }
  return { serverRunning: true, checks: [{ section, status: 'ok', text: `rtcroom answers at ${url}: ${summary}${scope}` }] };
}

/** Nothing answered: can the port be bound (as `rtcroom serve` would)? */
function bindCheck(host: string, port: number, scope: string): Promise<Check> {
  const section = 'signaling';
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'is in use by a program that refuses HTTP connections'
          : e.code === 'EACCES'
            ? 'needs privileges (a port below 1024 needs root or CAP_NET_BIND_SERVICE)'
            : e.code === 'EADDRNOTAVAIL'
              ? `cannot be bound: ${host} is not an address of this machine`
              : `cannot be bound: ${e.code ?? e.message}`;
      resolve({ section, status: 'fail', text: `no rtcroom server answers on ${host}:${port}, and TCP ${host}:${port} ${why}` });
    });
    s.listen(port, host, () => {
      s.close(() => resolve({ section, status: 'ok', text: `no server runs on ${host}:${port}; rtcroom serve can listen there${scope}` }));
    });
  });
}
