/**
 * Receive-side SRTP on the native module: checks and decrypts a publisher's RTP packets on one
 * pre-keyed OpenSSL context per SRTP session (werift makes a Node decipher, and for
 * AES_CM_128_HMAC_SHA1_80 an HMAC, per packet). werift keeps everything else: its header parse,
 * its rollover-counter estimate, what it does with the packet.
 * @module
 */
import type { NativeAddon, NativeSrtpContext } from './addon.ts';

/** What of werift's parsed RTP header the decryption reads and completes. */
export interface SrtpHeaderFields {
  ssrc: number;
  sequenceNumber: number;
  /** Length of the RTP header (extensions included). */
  payloadOffset: number;
  padding: boolean;
  /** Set here: the padding bytes at the end of the payload (RFC 3550 §5.1). */
  paddingSize: number;
}

/** Native SRTP decryption of one SRTP session's incoming RTP. */
export class NativeUnprotector {
  readonly #addon: NativeAddon;
  readonly #ctx: NativeSrtpContext;
  readonly #tagBytes: number;

  private constructor(addon: NativeAddon, ctx: NativeSrtpContext, tagBytes: number) {
    this.#addon = addon;
    this.#ctx = ctx;
    this.#tagBytes = tagBytes;
  }

  /** AEAD_AES_128_GCM (RFC 7714): 16-byte key, the salt's first 12 bytes. Throws on other sizes. */
  static gcm(addon: NativeAddon, key: Buffer, salt: Buffer): NativeUnprotector {
    return new NativeUnprotector(addon, addon.gcm(key, salt.subarray(0, 12), true), 16);
  }

  /** AES_CM_128_HMAC_SHA1_80 (RFC 3711): 16-byte key, 14-byte salt, 20-byte auth key. Throws on other sizes. */
  static cm(addon: NativeAddon, key: Buffer, salt: Buffer, authKey: Buffer): NativeUnprotector {
    return new NativeUnprotector(addon, addon.cm(key, salt, authKey), 10);
  }

  /**
   * The RTP packet in SRTP `packet` under rollover counter `roc`, its header's padding size set
   * (as werift does), or undefined when the packet does not authenticate (or its padding is
   * impossible).
   */
  open(packet: Buffer, roc: number, header: SrtpHeaderFields): Buffer | undefined {
    if (packet.length < header.payloadOffset + this.#tagBytes) return undefined;
    const out = Buffer.allocUnsafe(packet.length - this.#tagBytes);
    if (this.#addon.unprotect(this.#ctx, header.ssrc >>> 0, roc >>> 0, header.sequenceNumber, packet, header.payloadOffset, out) !== out.length) return undefined;
    header.paddingSize = 0;
    if (header.padding) {
      const size = out[out.length - 1]!;
      if (out.length <= header.payloadOffset || size === 0 || size > out.length - header.payloadOffset) return undefined;
      header.paddingSize = size;
    }
    return out;
  }
}
