/**
 * Constants of the Volcengine "001" AccessToken format and the HMAC signing step.
 *
 * @packageDocumentation
 */
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';

/** Version prefix of every token this package produces and accepts. */
export const TOKEN_VERSION = '001';

/** Number of characters of the AppId that follow the version prefix in a token string. */
export const APP_ID_LENGTH = 24;

/** Length in bytes of the HMAC-SHA256 signature. */
export const SIGNATURE_LENGTH = 32;

/**
 * Privilege ids used in the token's privilege map.
 *
 * Callers normally add only `PublishStream` (which also adds ids 1–3 with the same expiry)
 * and/or `SubscribeStream`. Ids 1–3 are internal in Volcengine's generators but verifiers
 * may be asked about them individually (e.g. audio-only publishing).
 */
export const Privileges = {
  PublishStream: 0,
  PublishAudioStream: 1,
  PublishVideoStream: 2,
  PublishDataStream: 3,
  SubscribeStream: 4,
} as const;

/** A privilege id: one of the values of {@link Privileges}. */
export type PrivilegeId = (typeof Privileges)[keyof typeof Privileges];

/** HMAC-SHA256 of `msg` keyed with the UTF-8 bytes of `appKey` (32 bytes). */
export function signMessage(appKey: string, msg: Uint8Array): Buffer {
  return createHmac('sha256', Buffer.from(appKey, 'utf8')).update(msg).digest();
}
