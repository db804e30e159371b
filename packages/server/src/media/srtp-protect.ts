/**
 * SRTP protection of one outgoing RTP packet for the two profiles WebRTC peers negotiate, on
 * session keys that are already derived: AEAD_AES_128_GCM (RFC 7714) and
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711). Each returns the datagram as parts
 * (`[header, …ciphertext, tag]`) for one `dgram` send, so the shared payload is never copied
 * or changed. Node's ciphers and HMACs cannot be re-keyed or re-IVed, so each packet costs one
 * cipher (and for CM one HMAC) object; the IV and ROC scratch buffers are reused.
 * @module
 */
import { createCipheriv, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The SRTP profiles the fast path writes itself. */
export type FastProfile = 'aes-128-gcm' | 'aes-cm-128-hmac-sha1-80';

/** Protects RTP packets of one SRTP context (one direction of one DTLS transport). */
export interface RtpProtector {
  /** Which profile this writes. */
  readonly profile: FastProfile;
  /**
   * Encrypts `prefix ‖ payload` (the prefix is RTX's original sequence number) under the packet
   * index `roc·2^16 + seq` of `ssrc` and authenticates it with the 12-byte `header`.
   * @returns the datagram's parts, in order
   */
  protect(header: Buffer, ssrc: number, roc: number, seq: number, prefix: Buffer | undefined, payload: Buffer): Buffer[];
}

/** AEAD_AES_128_GCM: 16-byte key, 12-byte salt, 16-byte tag (RFC 7714). */
export class AeadAes128GcmProtector implements RtpProtector {
  readonly profile = 'aes-128-gcm';
  readonly #key: KeyObject;
  readonly #salt = Buffer.alloc(12);
  readonly #iv = Buffer.alloc(12);

  /** @param key session key (16 bytes) @param salt session salt (its first 12 bytes are used) */
  constructor(key: Buffer, salt: Buffer) {
    if (key.length !== 16 || salt.length < 12) throw new Error('AES-128-GCM needs a 16-byte key and a 12-byte salt');
    this.#key = createSecretKey(Buffer.from(key));
    salt.copy(this.#salt, 0, 0, 12);
  }

  protect(header: Buffer, ssrc: number, roc: number, seq: number, prefix: Buffer | undefined, payload: Buffer): Buffer[] {
    // RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt
    const iv = this.#iv;
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(ssrc >>> 0, 2);
    iv.writeUInt32BE(roc >>> 0, 6);
    iv.writeUInt16BE(seq, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= this.#salt[i]!;
    const cipher = createCipheriv('aes-128-gcm', this.#key, iv);
    cipher.setAAD(header);
    const parts: Buffer[] = [header];
    if (prefix) parts.push(cipher.update(prefix));
    parts.push(cipher.update(payload));
    cipher.final();
    parts.push(cipher.getAuthTag());
    return parts;
  }
}

/** AES_CM_128_HMAC_SHA1_80: 16-byte key, 14-byte salt, 20-byte auth key, 10-byte tag (RFC 3711). */
export class AesCm128HmacSha1_80Protector implements RtpProtector {
  readonly profile = 'aes-cm-128-hmac-sha1-80';
  readonly #key: KeyObject;
  readonly #authKey: KeyObject;
  readonly #salt = Buffer.alloc(14);
  readonly #iv = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  /** @param key session key (16 bytes) @param salt session salt (14 bytes) @param authKey session auth key (20 bytes) */
  constructor(key: Buffer, salt: Buffer, authKey: Buffer) {
    if (key.length !== 16 || salt.length !== 14 || authKey.length !== 20) throw new Error('AES-CM-128-HMAC-SHA1-80 needs a 16-byte key, a 14-byte salt and a 20-byte auth key');
    this.#key = createSecretKey(Buffer.from(key));
    this.#authKey = createSecretKey(Buffer.from(authKey));
    salt.copy(this.#salt);
  }

  protect(header: Buffer, ssrc: number, roc: number, seq: number, prefix: Buffer | undefined, payload: Buffer): Buffer[] {
    // RFC 3711 §4.1.1: IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16), index = ROC·2^16 + SEQ
    const iv = this.#iv;
    this.#salt.copy(iv, 0);
    iv[14] = 0;
    iv[15] = 0;
    iv[4]! ^= ssrc >>> 24;
    iv[5]! ^= (ssrc >>> 16) & 0xff;
    iv[6]! ^= (ssrc >>> 8) & 0xff;
    iv[7]! ^= ssrc & 0xff;
    iv[8]! ^= roc >>> 24;
    iv[9]! ^= (roc >>> 16) & 0xff;
    iv[10]! ^= (roc >>> 8) & 0xff;
    iv[11]! ^= roc & 0xff;
    iv[12]! ^= seq >>> 8;
    iv[13]! ^= seq & 0xff;
    const cipher = createCipheriv('aes-128-ctr', this.#key, iv);
    // §4.2: tag = HMAC-SHA1(auth key, header ‖ encrypted payload ‖ ROC)[0..10)
    const mac = createHmac('sha1', this.#authKey);
    mac.update(header);
    const parts: Buffer[] = [header];
    if (prefix) {
      const p = cipher.update(prefix);
      mac.update(p);
      parts.push(p);
    }
    const enc = cipher.update(payload);
    mac.update(enc);
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    mac.update(this.#roc);
    parts.push(enc, mac.digest().subarray(0, 10));
    return parts;
  }
}
