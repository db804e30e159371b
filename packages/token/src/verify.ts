/**
 * Signature, expiry, identity and privilege checks for "001" AccessTokens.
 *
 * @packageDocumentation
 */
import { timingSafeEqual } from 'node:crypto';
import { isUint32 } from './bytes.ts';
import { SIGNATURE_LENGTH, signMessage, type PrivilegeId } from './format.ts';
import { parseToken, type ParsedToken } from './parse.ts';

/**
 * Why {@link verifyToken} rejected a token.
 *
 * `'malformed'` is also used when the verify options themselves are unusable
 * (e.g. an empty `appKey` or a non-finite `now`), so that verification always fails closed.
 */
export type VerifyFailure =
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'app-mismatch'
  | 'room-mismatch'
  | 'user-mismatch'
  | 'privilege-missing'
  | 'privilege-expired';

/** What {@link verifyToken} should check besides the signature and token expiry. */
export interface VerifyOptions {
  /** Secret AppKey for the token's AppId (its UTF-8 bytes are the HMAC key). */
  readonly appKey: string;
  /** If given, the token's appId must equal it. */
  readonly appId?: string;
  /** If given, the token's roomId must equal it, unless the token's roomId is the wildcard `"*"`. */
  readonly roomId?: string;
  /** If given, the token's userId must equal it. */
  readonly userId?: string;
  /** Current time in Unix seconds; defaults to `floor(Date.now() / 1000)`. */
  readonly now?: number;
  /** Privilege(s) that must be present and not past their own expiry. */
  readonly privilege?: PrivilegeId | readonly PrivilegeId[];
}

/**
 * Outcome of {@link verifyToken}. On failure, `token` is set whenever the string could be
 * parsed; its contents are **unauthenticated** if `reason` is `'bad-signature'` or `'app-mismatch'`.
 */
export type VerifyResult =
  | { readonly ok: true; readonly token: ParsedToken }
  | {
      readonly ok: false;
      readonly reason: VerifyFailure;
      readonly message: string;
      readonly token?: ParsedToken;
    };

function fail(reason: VerifyFailure, message: string, token?: ParsedToken): VerifyResult {
  return token === undefined ? { ok: false, reason, message } : { ok: false, reason, message, token };
}

function verifyUnchecked(tokenString: string, opts: VerifyOptions): VerifyResult {
  if (opts === null || typeof opts !== 'object') {
    return fail('malformed', 'invalid verify options: expected an object');
  }
  if (typeof opts.appKey !== 'string' || opts.appKey.length === 0) {
    return fail('malformed', 'invalid verify options: appKey must be a non-empty string');
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    return fail('malformed', `invalid verify options: now must be a finite number of Unix seconds, got ${String(now)}`);
  }

  const parsed = parseToken(tokenString);
  if (!parsed.ok) return fail('malformed', parsed.error.message);
  const token = parsed.token;

  if (opts.appId !== undefined && token.appId !== opts.appId) {
    return fail('app-mismatch', `token is for appId ${JSON.stringify(token.appId)}, expected ${JSON.stringify(opts.appId)}`, token);
  }

  const expected = signMessage(opts.appKey, token.message);
  if (
    token.signature.length !== SIGNATURE_LENGTH ||
    expected.length !== token.signature.length ||
    !timingSafeEqual(expected, token.signature)
  ) {
    return fail('bad-signature', 'token signature does not match (wrong appKey or modified token)', token);
  }

  if (token.expireAt > 0 && now > token.expireAt) {
    return fail('expired', `token expired at ${token.expireAt} (now ${now})`, token);
  }
  if (opts.roomId !== undefined && token.roomId !== '*' && token.roomId !== opts.roomId) {
    return fail('room-mismatch', `token is for room ${JSON.stringify(token.roomId)}, not ${JSON.stringify(opts.roomId)}`, token);
  }
  if (opts.userId !== undefined && token.userId !== opts.userId) {
    return fail('user-mismatch', `token is for user ${JSON.stringify(token.userId)}, not ${JSON.stringify(opts.userId)}`, token);
  }

  const wanted: readonly number[] =
    opts.privilege === undefined ? [] : Array.isArray(opts.privilege) ? opts.privilege : [opts.privilege as number];
  for (const id of wanted) {
    const exp = token.privileges.get(id);
    if (exp === undefined) {
      return fail('privilege-missing', `token does not grant privilege ${id}`, token);
    }
    if (exp > 0 && now > exp) {
      return fail('privilege-expired', `privilege ${id} expired at ${exp} (now ${now})`, token);
    }
  }
  return { ok: true, token };
}

/**
 * Verify a "001" token: parse it, check the HMAC-SHA256 signature (constant-time), the token
 * expiry (`expireAt > 0 && now > expireAt` ⇒ expired), and the optional appId / roomId
 * (wildcard `"*"` matches any room) / userId / privilege requirements.
 *
 * Checks run in this order: malformed, app-mismatch, bad-signature, expired, room-mismatch,
 * user-mismatch, then each requested privilege (privilege-missing / privilege-expired).
 *
 * Never throws, for any input.
 *
 * @param token - the token string
 * @param opts - AppKey and the requirements to check
 * @returns `{ ok: true, token }` or `{ ok: false, reason, message, token? }`
 */
export function verifyToken(token: string, opts: VerifyOptions): VerifyResult {
  try {
    return verifyUnchecked(token, opts);
  } catch (err) {
    return fail('malformed', `token could not be verified: ${String(err)}`);
  }
}

/**
 * Expiry of one privilege in a parsed token.
 * @param token - a parsed token
 * @param id - privilege id
 * @returns Unix seconds (`0` = no expiry), or `undefined` if the token does not grant it
 */
export function privilegeExpiry(token: ParsedToken, id: PrivilegeId): number | undefined {
  return token.privileges.get(id);
}

/**
 * When a token stops being usable for the given privileges: the earliest nonzero value among
 * the token's `expireAt` and the expiries of `privileges` (privileges the token lacks are
 * ignored). With `privileges` omitted only `expireAt` is considered.
 * @param token - a parsed token
 * @param privileges - privileges the holder needs
 * @returns Unix seconds, or `0` if nothing expires
 */
export function effectiveExpiry(token: ParsedToken, privileges: readonly PrivilegeId[] = []): number {
  let earliest = isUint32(token.expireAt) ? token.expireAt : 0;
  for (const id of privileges) {
    const exp = token.privileges.get(id);
    if (exp !== undefined && exp > 0 && (earliest === 0 || exp < earliest)) earliest = exp;
  }
  return earliest;
}
