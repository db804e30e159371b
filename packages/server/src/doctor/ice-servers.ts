/**
 * The doctor's TURN and STUN checks: for each `turn:`/`turns:` URL a real allocation with a
 * credential minted from the shared secret (and relay permissions for this server's media
 * addresses), for each `stun:` URL a binding request; failures explained in operator terms.
 * @module
 */
import { isIP } from 'node:net';
import { probeAllocation, probeBinding, turnUrlTarget, type PeerPermission, type ProbeFailureCause } from '../turn/allocation-probe.ts';
import { needsSecret, turnCredential } from '../turn/credentials.ts';
import { classifyAddress, describeKind } from './addresses.ts';
import type { Check } from './report.ts';

/** What to check. */
export interface IceServerCheckOptions {
  /** `--turn-urls`, already parsed. */
  urls: readonly string[];
  /** `--turn-secret` / `RTCROOM_TURN_SECRET`. */
  secret: string | undefined;
  /** Accept TLS certificates that do not verify (self-signed test setups). */
  insecureTls: boolean;
  /** This server's media addresses: the peers a relay must be allowed to send to. */
  mediaPeers: readonly string[];
  /** `--announced-ip`, compared with the address STUN/TURN servers see. */
  announcedIp: string | undefined;
  /** This machine's own addresses. */
  localAddresses: ReadonlySet<string>;
  /** Per probe (ms, default 3000). */
  timeoutMs?: number;
}

/** Where a probe went. */
export interface ProbeTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
}

/** A failed probe, as the probes report it. */
export interface ProbeFailure {
  error: string;
  code?: number;
  cause?: ProbeFailureCause;
}

/** Node's codes for a certificate the client does not accept. */
const CERT_CAUSES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A `stun:`/`stuns:` URL's host, port and transport (3478 over UDP, `stuns:` 5349 over TLS). */
export function stunUrlTarget(url: string): ProbeTarget | undefined {
  const m = /^(stuns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?$/.exec(url);
  if (!m) return undefined;
  const secure = m[1] === 'stuns';
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : secure ? 5349 : 3478, transport: secure ? 'tls' : 'udp' };
}

function hostPort(t: ProbeTarget): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/** Why a probe of `target` failed, in operator terms. */
export function explainFailure(target: ProbeTarget, f: ProbeFailure, timeoutMs: number): string {
  const over = `over ${target.transport.toUpperCase()}`;
  if (f.code === 401) {
    return "401 Unauthorized: the secret does not match coturn's static-auth-secret (or coturn lacks use-auth-secret, or its clock is more than 10 minutes off)";
  }
  if (f.code !== undefined) return f.error;
  if (f.cause === 'timeout') return `nothing answers at ${hostPort(target)} ${over} (no answer in ${timeoutMs / 1000} s: nothing listens there, or a firewall drops it)`;
  if (f.cause === 'ECONNREFUSED') return `nothing answers at ${hostPort(target)} ${over} (connection refused: nothing listens there)`;
  if (f.cause === 'ENOTFOUND' || f.cause === 'EAI_AGAIN') return `cannot resolve ${target.host} (DNS)`;
  if (f.cause === 'EHOSTUNREACH' || f.cause === 'ENETUNREACH') return `${hostPort(target)} is unreachable from here (${f.cause}): no route`;
  if (f.cause && CERT_CAUSES.has(f.cause)) {
    return `TLS certificate not accepted (${f.error}): browsers refuse it too; give coturn a certificate for this name, or pass --insecure-tls for a self-signed test setup`;
  }
  if (target.transport === 'tls' && (f.cause === 'ECONNRESET' || f.cause?.startsWith('ERR_SSL'))) {
    return `TLS handshake with ${hostPort(target)} failed (${f.error}): is TLS served on this port?`;
  }
  return f.error;
}

/**
 * What the relay permissions say: undefined when every media address may be relayed to (or none
 * was asked), else which are refused and whether that leaves none.
 */
export function permissionProblem(perms: readonly PeerPermission[]): { allRefused: boolean; text: string } | undefined {
  const refused = perms.filter((p) => !p.ok);
  if (refused.length === 0) return undefined;
  const allRefused = refused.length === perms.length;
  const list = refused.map((p) => p.peer).join(', ');
  const forbidden = refused.some((p) => p.code === 403);
  const hint = forbidden ? `coturn's denied-peer-ip rules (or its default refusal of loopback peers) cover ${list}: add allowed-peer-ip=${refused[0]!.peer}` : (refused[0]!.error ?? 'refused');
  return { allRefused, text: `relaying to this server's media address${refused.length > 1 ? 'es' : ''} ${list} refused (${refused[0]!.error}): ${hint}` };
}

/**
 * Compares the address a STUN/TURN server saw this machine as with `--announced-ip`: a check when
 * it tells something (a public address that is not this machine's and not the announced one).
 */
export function mappedAddressHint(url: string, mapped: string | undefined, announcedIp: string | undefined, local: ReadonlySet<string>): Check | undefined {
  const ip = mapped?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (!ip || isIP(ip) !== 4 || local.has(ip) || classifyAddress(ip) !== 'public') return undefined;
  if (!announcedIp) {
    return { section: 'turn', status: 'warn', text: `${url} sees this machine as ${ip}, a public address it does not have: this host is behind NAT; give --announced-ip ${ip} (and forward the media ports)` };
  }
  if (announcedIp !== ip) return { section: 'turn', status: 'warn', text: `${url} sees this machine as ${ip}, but --announced-ip is ${announcedIp}` };
  return undefined;
}

/** Probes every configured TURN and STUN URL (in parallel); one line each, in the given order. */
export async function checkIceServers(o: IceServerCheckOptions): Promise<Check[]> {
  const section = 'turn';
  const timeoutMs = o.timeoutMs ?? 3000;
  if (o.urls.length === 0) return [{ section, status: 'ok', text: 'no --turn-urls: clients behind UDP-blocking firewalls cannot connect (media is UDP only without TURN)' }];
  const head: Check[] = [];
  const secret = o.secret || undefined;
  if (needsSecret(o.urls) && !secret) {
    head.push({ section, status: 'warn', text: '--turn-urls lists TURN servers but no --turn-secret (or RTCROOM_TURN_SECRET) is given: rtcroom serve refuses to start so; only reachability is checked' });
  } else if (secret !== undefined && secret.length < 16) {
    head.push({ section, status: 'fail', text: '--turn-secret is shorter than 16 characters: rtcroom serve refuses it' });
  }
  const lines = await Promise.all(
    o.urls.map(async (url): Promise<Check[]> => {
      const stun = stunUrlTarget(url);
      if (stun) {
        const r = await probeBinding({ ...stun, timeoutMs, insecureTls: o.insecureTls });
        if (!r.ok) return [{ section, status: 'fail', text: `${url}: ${explainFailure(stun, r, timeoutMs)}` }];
        const hint = mappedAddressHint(url, r.mappedAddress, o.announcedIp, o.localAddresses);
        return [{ section, status: 'ok', text: `${url}: binding answered, this machine seen as ${r.mappedAddress ?? '(no address given)'}` }, ...(hint ? [hint] : [])];
      }
      const target = turnUrlTarget(url);
      if (!target) return [{ section, status: 'fail', text: `${url}: not a turn:, turns: or stun: URL` }];
      const via = `${url} (${target.transport.toUpperCase()})`;
      const cred = secret ? turnCredential(secret, 'rtcroom-doctor', Date.now(), 600) : { username: `${Math.floor(Date.now() / 1000) + 600}:rtcroom-doctor`, credential: 'no-secret' };
      const r = await probeAllocation({ ...target, username: cred.username, password: cred.credential, timeoutMs, insecureTls: o.insecureTls, peers: secret ? o.mediaPeers : [] });
      if (!r.ok) {
        if (!secret && r.code === 401) return [{ section, status: 'warn', text: `${via}: answers (401 challenge); no secret to try an allocation with` }];
        return [{ section, status: 'fail', text: `${via}: ${explainFailure(target, r, timeoutMs)}` }];
      }
      const relayIp = r.relayedAddress.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      const kind = isIP(relayIp) ? classifyAddress(relayIp) : undefined;
      const relayed = `relayed address ${r.relayedAddress}${kind && kind !== 'public' ? ` (${describeKind(kind)})` : ''}`;
      const problem = permissionProblem(r.permissions);
      const out: Check[] = [];
      if (problem) out.push({ section, status: problem.allRefused ? 'fail' : 'warn', text: `${via}: allocation ok, ${relayed}; but ${problem.text}` });
      else {
        const peers = r.permissions.length ? `; may relay to media ${r.permissions.map((p) => p.peer).join(', ')}` : '';
        out.push({ section, status: 'ok', text: `${via}: allocation ok, ${relayed}${peers}` });
      }
      const hint = mappedAddressHint(url, r.mappedAddress, o.announcedIp, o.localAddresses);
      if (hint) out.push(hint);
      return out;
    }),
  );
  return [...head, ...lines.flat()];
}
