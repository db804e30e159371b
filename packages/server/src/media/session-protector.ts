/**
 * The protector of a subscriber leg's SRTP session: read from werift's local SRTP context (the
 * session keys DTLS derived) for the profiles the fast path writes — on the native module when
 * the server runs the native send path, else on Node's ciphers.
 * @module
 */
import { AeadAes128GcmProtector, AesCm128HmacSha1_80Protector, type RtpProtector } from './srtp-protect.ts';
import type { NativeAddon } from './native/addon.ts';
import { NativeProtector } from './native/native-protector.ts';

/** werift's numbers for the DTLS-SRTP profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
const PROFILE_AES128_CM_HMAC_SHA1_80 = 0x0001;
const PROFILE_AEAD_AES_128_GCM = 0x0007;

/** The parts of werift's SRTP context the fast path reads (rtp/src/srtp/context/context.js). */
export interface WeriftSrtpContext {
  profile?: number;
  srtpSessionKey?: Buffer;
  srtpSessionSalt?: Buffer;
  /** The SRTP auth key (CM profiles; werift's name). */
  srtpSessionAuthTag?: Buffer;
  cipher?: { aeadAuthTagLen?: number; authTagLength?: number };
}

/**
 * The protector for werift's local SRTP context `ctx` (native when `addon` is given), or
 * undefined when the fast path cannot write its profile.
 */
export function protectorFor(ctx: WeriftSrtpContext | undefined, addon?: NativeAddon): RtpProtector | undefined {
  if (!ctx?.srtpSessionKey || !ctx.srtpSessionSalt) return undefined;
  const key = ctx.srtpSessionKey;
  const salt = ctx.srtpSessionSalt;
  try {
    if (ctx.profile === PROFILE_AEAD_AES_128_GCM && ctx.cipher?.aeadAuthTagLen === 16) {
      return addon ? NativeProtector.gcm(addon, key, salt) : new AeadAes128GcmProtector(key, salt);
    }
    const auth = ctx.srtpSessionAuthTag;
    if (ctx.profile === PROFILE_AES128_CM_HMAC_SHA1_80 && ctx.cipher?.authTagLength === 10 && auth) {
      return addon ? NativeProtector.cm(addon, key, salt, auth) : new AesCm128HmacSha1_80Protector(key, salt, auth);
    }
  } catch {
    // key material of an unexpected shape: werift's own path
  }
  return undefined;
}
