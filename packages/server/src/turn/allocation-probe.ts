/**
 * Asks a TURN server for a relay allocation with a given credential, then releases it: the check
 * `rtcroom doctor` runs against the configured TURN URLs, and what the tests use to show that
 * coturn accepts minted credentials and refuses forged or expired ones. Over UDP, TCP or TLS.
 * Also a plain STUN binding request ({@link probeBinding}) for `stun:` URLs.
 * @module
 */
import { createSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ATTR, decodeStun, encodeStun, errorCode, STUN, stunLength, transactionId, UDP_TRANSPORT, xorAddress, xorAddressValue, type LongTermKey, type StunMessage } from './stun-message.ts';

/** Where and how to ask. */
export interface AllocationProbeTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  username: string;
  password: string;
  /** Whole probe budget (ms, default 3000). */
  timeoutMs?: number;
  /** TLS: accept a certificate that does not verify (self-signed test setups; default false). */
  insecureTls?: boolean;
  /** TLS: the name to verify the certificate against (default `host`). */
  servername?: string;
  /**
   * IPv4 addresses to ask relay permissions for once the allocation exists (CreatePermission,
   * RFC 8656 §9): a server refuses peers its policy denies (coturn: 403 for `denied-peer-ip`).
   */
  peers?: readonly string[];
}

/** Whether the TURN server lets the allocation send to one peer address. */
export interface PeerPermission {
  peer: string;
  ok: boolean;
  /** Why not (`refused: 403 Forbidden IP`, `no answer …`). */
  error?: string;
  /** The STUN error code of a refusal. */
  code?: number;
}

/** Why a probe got no answer: Node's error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …) or `timeout`. */
export type ProbeFailureCause = string;

/** The outcome: the relayed address, or why there is none. */
export type AllocationProbeResult =
  | { ok: true; relayedAddress: string; mappedAddress: string | undefined; lifetimeS: number | undefined; permissions: PeerPermission[] }
  | { ok: false; error: string; code?: number; cause?: ProbeFailureCause };

/** One request/answer channel to the server. */
interface Channel {
  ask(request: Buffer, txId: Buffer): Promise<StunMessage>;
  close(): void;
}

/** Asks `target` for an allocation (answering its 401 challenge) and releases it at once. */
export async function probeAllocation(target: AllocationProbeTarget): Promise<AllocationProbeResult> {
  const deadline = Date.now() + (target.timeoutMs ?? 3000);
  let channel: Channel | undefined;
  try {
    channel = await open(target, deadline);
    // first without credentials: the server answers 401 with its realm and a nonce
    let tx = transactionId();
    let answer = await channel.ask(encodeStun(STUN.allocateRequest, tx, [[ATTR.requestedTransport, UDP_TRANSPORT]]), tx);
    let key: LongTermKey | undefined;
    let nonce: Buffer | undefined;
    for (let attempt = 0; attempt < 2 && answer.type === STUN.allocateError; attempt++) {
      const err = errorCode(answer);
      const realm = answer.attrs.get(ATTR.realm);
      nonce = answer.attrs.get(ATTR.nonce);
      // 401 asks for credentials; 438 (stale nonce) for the same with a fresh nonce
      if (!(err?.code === 401 || err?.code === 438) || !realm || !nonce || (attempt > 0 && err.code === 401)) return refused(err);
      key = { username: target.username, realm: realm.toString('utf8'), password: target.password };
      tx = transactionId();
      const attrs: [number, Buffer][] = [
        [ATTR.requestedTransport, UDP_TRANSPORT],
        [ATTR.username, Buffer.from(key.username)],
        [ATTR.realm, realm],
        [ATTR.nonce, nonce],
      ];
      answer = await channel.ask(encodeStun(STUN.allocateRequest, tx, attrs, key), tx);
    }
    if (answer.type !== STUN.allocateSuccess) return refused(errorCode(answer));
    const relayedAddress = xorAddress(answer, ATTR.xorRelayedAddress);
    if (!relayedAddress) return { ok: false, error: 'the allocation answer carries no relayed address' };
    const lifetime = answer.attrs.get(ATTR.lifetime);
    const permissions: PeerPermission[] = [];
    for (const peer of target.peers ?? []) {
      if (!key || !nonce) break;
      const ptx = transactionId();
      try {
        const attrs: [number, Buffer][] = [
          [ATTR.xorPeerAddress, xorAddressValue(peer, 0)],
          [ATTR.username, Buffer.from(key.username)],
          [ATTR.realm, Buffer.from(key.realm)],
          [ATTR.nonce, nonce],
        ];
        const a = await channel.ask(encodeStun(STUN.createPermissionRequest, ptx, attrs, key), ptx);
        if (a.type === STUN.createPermissionSuccess) permissions.push({ peer, ok: true });
        else {
          const err = errorCode(a);
          permissions.push({ peer, ok: false, error: err ? `refused: ${err.code} ${err.reason}` : 'refused without an error code', code: err?.code });
        }
      } catch (e) {
        permissions.push({ peer, ok: false, error: (e as Error).message });
      }
    }
    if (key && nonce) {
      // release it (a Refresh with lifetime 0) rather than hold a relay port for ten minutes
      const rtx = transactionId();
      const zero = Buffer.alloc(4);
      const attrs: [number, Buffer][] = [
        [ATTR.lifetime, zero],
        [ATTR.username, Buffer.from(key.username)],
        [ATTR.realm, Buffer.from(key.realm)],
        [ATTR.nonce, nonce],
      ];
      await channel.ask(encodeStun(STUN.refreshRequest, rtx, attrs, key), rtx).catch(() => undefined);
    }
    return {
      ok: true,
      relayedAddress,
      mappedAddress: xorAddress(answer, ATTR.xorMappedAddress),
      lifetimeS: lifetime && lifetime.length === 4 ? lifetime.readUInt32BE(0) : undefined,
      permissions,
    };
  } catch (e) {
    return failure(e);
  } finally {
    channel?.close();
  }
}

/** Where to send a STUN binding request (`stun:` over UDP, `stuns:` over TLS). */
export interface BindingProbeTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Whole probe budget (ms, default 3000). */
  timeoutMs?: number;
  /** TLS: accept a certificate that does not verify (default false). */
  insecureTls?: boolean;
}

/** The outcome of a binding request: our address as the server sees it, or why there is none. */
export type BindingProbeResult = { ok: true; mappedAddress: string | undefined } | { ok: false; error: string; code?: number; cause?: ProbeFailureCause };

/** Sends one STUN binding request to `target` and reads the mapped address from the answer. */
export async function probeBinding(target: BindingProbeTarget): Promise<BindingProbeResult> {
  const deadline = Date.now() + (target.timeoutMs ?? 3000);
  let channel: Channel | undefined;
  try {
    channel = await open({ ...target, username: '', password: '' }, deadline);
    const tx = transactionId();
    const answer = await channel.ask(encodeStun(STUN.bindingRequest, tx, []), tx);
    if (answer.type !== STUN.bindingSuccess) {
      const err = errorCode(answer);
      return { ok: false, error: err ? `refused: ${err.code} ${err.reason}` : `unexpected answer type 0x${answer.type.toString(16)}`, code: err?.code };
    }
    return { ok: true, mappedAddress: xorAddress(answer, ATTR.xorMappedAddress) };
  } catch (e) {
    return failure(e);
  } finally {
    channel?.close();
  }
}

function failure(e: unknown): { ok: false; error: string; cause?: ProbeFailureCause } {
  const cause = (e as NodeJS.ErrnoException).code;
  return cause ? { ok: false, error: (e as Error).message, cause } : { ok: false, error: (e as Error).message };
}

function refused(err: { code: number; reason: string } | undefined): AllocationProbeResult {
  return err ? { ok: false, error: `refused: ${err.code} ${err.reason}`, code: err.code } : { ok: false, error: 'refused without an error code' };
}

function open(t: AllocationProbeTarget, deadline: number): Promise<Channel> {
  return t.transport === 'udp' ? Promise.resolve(udpChannel(t, deadline)) : streamChannel(t, deadline);
}

/** A timer for what is left of the budget. */
function budget(deadline: number, what: string, reject: (e: Error) => void): NodeJS.Timeout {
  return setTimeout(() => reject(Object.assign(new Error(`no answer ${what} in time`), { code: 'timeout' })), Math.max(0, deadline - Date.now()));
}

function udpChannel(t: AllocationProbeTarget, deadline: number): Channel {
  const sock = createSocket(t.host.includes(':') ? 'udp6' : 'udp4');
  sock.on('error', () => undefined);
  return {
    ask: (request, txId) =>
      new Promise((resolve, reject) => {
        // UDP: resend every 500 ms until the answer or the budget's end (RFC 8489 §6.2.1, shortened)
        const resend = setInterval(() => sock.send(request, t.port, t.host), 500);
        const timer = budget(deadline, `from ${t.host}:${t.port} over UDP`, fail);
        const onMessage = (buf: Buffer): void => {
          const m = decodeStun(buf);
          if (m && m.transactionId.equals(txId)) done(() => resolve(m));
        };
        function done(then: () => void): void {
          clearInterval(resend);
          clearTimeout(timer);
          sock.off('message', onMessage);
          then();
        }
        function fail(e: Error): void {
          done(() => reject(e));
        }
        sock.on('message', onMessage);
        sock.send(request, t.port, t.host, (e) => e && fail(e));
      }),
    close: () => sock.close(),
  };
}

function streamChannel(t: AllocationProbeTarget, deadline: number): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const timer = budget(deadline, `connecting to ${t.host}:${t.port} over ${t.transport.toUpperCase()}`, fail);
    const sock: Socket =
      t.transport === 'tls'
        ? tlsConnect({ host: t.host, port: t.port, servername: t.servername ?? (/^[\d.:[\]]+$/.test(t.host) ? undefined : t.host), rejectUnauthorized: !t.insecureTls }, ready)
        : tcpConnect({ host: t.host, port: t.port }, ready);
    sock.once('error', fail);
    function fail(e: Error): void {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    }
    function ready(): void {
      clearTimeout(timer);
      sock.off('error', fail);
      sock.on('error', () => undefined);
      resolve(framed(sock, t, deadline));
    }
  });
}

/** STUN over a byte stream: messages back to back, each as long as its header says (RFC 8489 §6.2.2). */
function framed(sock: Socket, t: AllocationProbeTarget, deadline: number): Channel {
  let pending = Buffer.alloc(0);
  const waiting = new Map<string, (m: StunMessage) => void>();
  sock.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (let n = stunLength(pending); n !== undefined && pending.length >= n; n = stunLength(pending)) {
      const m = decodeStun(pending.subarray(0, n));
      pending = pending.subarray(n);
      if (m) waiting.get(m.transactionId.toString('hex'))?.(m);
    }
  });
  return {
    ask: (request, txId) =>
      new Promise((resolve, reject) => {
        const id = txId.toString('hex');
        const timer = budget(deadline, `from ${t.host}:${t.port} over ${t.transport.toUpperCase()}`, (e) => {
          waiting.delete(id);
          reject(e);
        });
        waiting.set(id, (m) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(m);
        });
        sock.write(request);
      }),
    close: () => sock.destroy(),
  };
}

/** A parsed TURN URL: where to probe (`turn:host[:port][?transport=…]`, RFC 7065). */
export function turnUrlTarget(url: string): { host: string; port: number; transport: 'udp' | 'tcp' | 'tls' } | undefined {
  const m = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!m) return undefined;
  const secure = m[1] === 'turns';
  const host = m[2]!.replace(/^\[|\]$/g, '');
  return { host, port: m[3] ? Number(m[3]) : secure ? 5349 : 3478, transport: secure ? 'tls' : m[4] === 'tcp' ? 'tcp' : 'udp' };
}
