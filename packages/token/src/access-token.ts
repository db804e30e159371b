/**
 * Builder for Volcengine "001" AccessTokens.
 *
 * @packageDocumentation
 */
import { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import { ByteWriter, isUint16, isUint32 } from './bytes.ts';
import { TokenError } from './errors.ts';
import {
  APP_ID_LENGTH,
  Privileges,
  TOKEN_VERSION,
  signMessage,
  type PrivilegeId,
} from './format.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function requireUint32(value: unknown, name: string): number {
  if (!isUint32(value)) {
    throw new TokenError(
      'invalid-argument',
      `${name} must be an integer in [0, 4294967295] (uint32 Unix seconds / nonce), got ${String(value)}`,
    );
  }
  return value;
}

function encodeId(value: unknown, name: string): Buffer {
  if (typeof value !== 'string') {
    throw new TokenError('invalid-argument', `${name} must be a string, got ${typeof value}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new TokenError(
      'invalid-argument',
      `${name} contains an unpaired UTF-16 surrogate and cannot be encoded as UTF-8 without loss`,
    );
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0xffff) {
    throw new TokenError(
      'field-too-long',
      `${name} is ${bytes.length} UTF-8 bytes; the token format allows at most 65535`,
    );
  }
  return bytes;
}

/**
 * Builds a Volcengine RTC "001" AccessToken, byte-compatible with Volcengine's own generators.
 *
 * @example
 * ```ts
 * const t = new AccessToken(appId, appKey, 'room1', 'user1');
 * const exp = Math.floor(Date.now() / 1000) + 86400;
 * t.expireTime(exp);
 * t.addPrivilege(Privileges.PublishStream, exp);
 * t.addPrivilege(Privileges.SubscribeStream, exp);
 * const token = t.serialize();
 * ```
 */
export class AccessToken {
  /** Volcengine AppId (exactly 24 characters; placed in clear after the version prefix). */
  readonly appId: string;
  /** Room the token is for; `"*"` is a wildcard valid for any room. */
  readonly roomId: string;
  /** User the token is for. */
  readonly userId: string;

  readonly #appKey: string;
  readonly #roomBytes: Buffer;
  readonly #userBytes: Buffer;
  #nonce: number;
  #issuedAt: number;
  #expireAt = 0;
  readonly #privileges = new Map<number, number>();

  /**
   * @param appId - AppId, exactly 24 printable ASCII characters (real AppIds are 24 hex chars)
   * @param appKey - secret AppKey; its UTF-8 bytes are the HMAC key
   * @param roomId - room id (≤ 65535 UTF-8 bytes); `"*"` for a wildcard token, `""` for RTM login
   * @param userId - user id (≤ 65535 UTF-8 bytes)
   * @throws TokenError `'invalid-argument'` for a bad appId/appKey or an id with unpaired
   *   surrogates; `'field-too-long'` for an id longer than 65535 UTF-8 bytes
   */
  constructor(appId: string, appKey: string, roomId: string, userId: string) {
    if (typeof appId !== 'string' || !/^[\x21-\x7e]*$/.test(appId) || appId.length !== APP_ID_LENGTH) {
      throw new TokenError(
        'invalid-argument',
        `appId must be exactly ${APP_ID_LENGTH} printable ASCII characters, got ${JSON.stringify(appId)}`,
      );
    }
    if (typeof appKey !== 'string' || appKey.length === 0) {
      throw new TokenError('invalid-argument', 'appKey must be a non-empty string');
    }
    this.appId = appId;
    this.#appKey = appKey;
    this.#roomBytes = encodeId(roomId, 'roomId');
    this.#userBytes = encodeId(userId, 'userId');
    this.roomId = roomId;
    this.userId = userId;
    this.#nonce = randomInt(0, 0x1_0000_0000);
    this.#issuedAt = Math.floor(Date.now() / 1000);
  }

  /**
   * Random per-token value (uint32). Defaults to a fresh CSPRNG draw for each `AccessToken`.
   * @throws TokenError `'invalid-argument'` when set to a value outside uint32
   */
  get nonce(): number {
    return this.#nonce;
  }
  set nonce(value: number) {
    this.#nonce = requireUint32(value, 'nonce');
  }

  /**
   * Issue time in Unix seconds (uint32). Defaults to `floor(Date.now() / 1000)` at construction.
   * @throws TokenError `'invalid-argument'` when set to a value outside uint32
   */
  get issuedAt(): number {
    return this.#issuedAt;
  }
  set issuedAt(value: number) {
    this.#issuedAt = requireUint32(value, 'issuedAt');
  }

  /** Token expiry in absolute Unix seconds; `0` (the default) means the token never expires. */
  get expireAt(): number {
    return this.#expireAt;
  }

  /** A copy of the privilege map (privilege id → expiry in Unix seconds, `0` = no expiry). */
  get privileges(): ReadonlyMap<number, number> {
    return new Map([...this.#privileges].sort((a, b) => a[0] - b[0]));
  }

  /**
   * Set the token expiry.
   * @param unixSeconds - **absolute** Unix seconds (not a duration); `0` = never expires
   * @returns this, for chaining
   * @throws TokenError `'invalid-argument'` if not a uint32
   */
  expireTime(unixSeconds: number): this {
    this.#expireAt = requireUint32(unixSeconds, 'expireTime');
    return this;
  }

  /**
   * Grant a privilege. Adding {@link Privileges.PublishStream} also adds
   * PublishAudioStream, PublishVideoStream and PublishDataStream with the same expiry.
   * Adding an id again overwrites its expiry.
   * @param id - privilege id (see {@link Privileges})
   * @param expireUnixSeconds - absolute Unix seconds when this privilege ends; `0` = no expiry
   * @returns this, for chaining
   * @throws TokenError `'invalid-argument'` if `id` is not a uint16 or the expiry not a uint32
   */
  addPrivilege(id: PrivilegeId, expireUnixSeconds: number): this {
    if (!isUint16(id)) {
      throw new TokenError('invalid-argument', `privilege id must be an integer in [0, 65535], got ${String(id)}`);
    }
    const exp = requireUint32(expireUnixSeconds, 'privilege expiry');
    this.#privileges.set(id, exp);
    if (id === Privileges.PublishStream) {
      this.#privileges.set(Privileges.PublishAudioStream, exp);
      this.#privileges.set(Privileges.PublishVideoStream, exp);
      this.#privileges.set(Privileges.PublishDataStream, exp);
    }
    return this;
  }

  /**
   * Produce the token string: `"001" ‖ appId ‖ base64(u16 len ‖ msg ‖ u16 32 ‖ HMAC-SHA256(appKey, msg))`.
   * @throws TokenError `'field-too-long'` if the signed message (roomId + userId + privileges)
   *   exceeds 65535 bytes in total
   */
  serialize(): string {
    const msg = new ByteWriter(32 + this.#roomBytes.length + this.#userBytes.length)
      .u32(this.#nonce)
      .u32(this.#issuedAt)
      .u32(this.#expireAt)
      .prefixed(this.#roomBytes, 'roomId')
      .prefixed(this.#userBytes, 'userId');
    const ids = [...this.#privileges.keys()].sort((a, b) => a - b);
    if (ids.length > 0xffff) {
      throw new TokenError('field-too-long', `too many privileges (${ids.length}); at most 65535 fit`);
    }
    msg.u16(ids.length);
    for (const id of ids) msg.u16(id).u32(this.#privileges.get(id) ?? 0);
    const msgBytes = msg.toBuffer();
    if (msgBytes.length > 0xffff) {
      throw new TokenError(
        'field-too-long',
        `signed message is ${msgBytes.length} bytes (roomId + userId + privileges); ` +
          'its u16 length prefix allows at most 65535',
      );
    }
    const sig = signMessage(this.#appKey, msgBytes);
    const content = new ByteWriter(msgBytes.length + sig.length + 4)
      .prefixed(msgBytes, 'signed message')
      .prefixed(sig, 'signature')
      .toBuffer();
    return TOKEN_VERSION + this.appId + content.toString('base64');
  }
}
