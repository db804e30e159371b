/**
 * TURN credentials for members, in coturn's `use-auth-secret` scheme (the "TURN REST API",
 * draft-uberti-behave-turn-rest-00): the username is `expiry:userId` (expiry in Unix seconds),
 * the password the base64 HMAC-SHA1 of that username under the secret shared with the TURN
 * server. The TURN server checks both without asking us; the credential dies at its expiry.
 * @module
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '@rtcroom/protocol';

/** How the server hands out ICE servers (`--turn-urls`, `--turn-secret`, `--turn-ttl`). */
export interface TurnConfig {
  /** `turn:`, `turns:` and `stun:` URLs (RFC 7064/7065) given to every member; empty = none. */
  urls: string[];
  /** Secret shared with the TURN server (coturn's `static-auth-secret`); required with `turn:`/`turns:` URLs. */
  secret: string | undefined;
  /** Lifetime of a minted credential (s). A call outliving it keeps its relay until the next refresh fails; resumes mint new ones. */
  ttlSeconds: number;
}

/** Default lifetime of a TURN credential (s): a working day of calls. */
export const DEFAULT_TURN_TTL_SECONDS = 6 * 3600;

/** A `turn:`/`turns:`/`stun:` URL: scheme, host (name, IPv4 or [IPv6]), optional port and transport. */
const URL_PATTERN = /^(turns?|stuns?):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\?transport=(udp|tcp))?$/;

/**
 * Splits and checks `--turn-urls` (comma-separated).
 * @throws Error naming the first malformed URL
 */
export function parseTurnUrls(text: string): string[] {
  const urls = text
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  for (const u of urls) {
    const m = URL_PATTERN.exec(u);
    const port = m?.[3] === undefined ? 1 : Number(m[3]);
    if (!m || port < 1 || port > 65535) throw new Error(`"${u}" is not a turn:, turns: or stun: URL (scheme:host[:port][?transport=udp|tcp])`);
    if (m[1]!.startsWith('stun') && m[4]) throw new Error(`"${u}": a stun: URL takes no transport`);
    if (m[1] === 'turns' && m[5] === 'udp') throw new Error(`"${u}": turns: runs over TLS, i.e. TCP`);
  }
  return urls;
}

/** Whether any URL needs credentials (a TURN server, not only STUN). */
export function needsSecret(urls: readonly string[]): boolean {
  return urls.some((u) => u.startsWith('turn:') || u.startsWith('turns:'));
}

/** The REST-API credential for `userId`, valid until `nowMs` + `ttlSeconds`. */
export function turnCredential(secret: string, userId: string, nowMs: number, ttlSeconds: number): { username: string; credential: string; expiresAt: number } {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

/** The ICE servers a member gets in its join (and resume) reply: STUN as is, TURN with a fresh credential. */
export function iceServersFor(turn: TurnConfig, userId: string, nowMs = Date.now()): IceServer[] {
  const stun = turn.urls.filter((u) => u.startsWith('stun'));
  const relay = turn.urls.filter((u) => !u.startsWith('stun'));
  const out: IceServer[] = [];
  if (stun.length) out.push({ urls: stun });
  if (relay.length && turn.secret) {
    const { username, credential } = turnCredential(turn.secret, userId, nowMs, turn.ttlSeconds);
    out.push({ urls: relay, username, credential });
  }
  return out;
}
