/**
 * An {@link RtpProtector} on the native module: one pre-keyed OpenSSL context for the SRTP
 * stream, and packets protected straight into the module's `sendmmsg` queue ({@link queue}).
 * @module
 */
import type { Socket } from 'node:dgram';
import type { FastProfile, RtpProtector } from '../srtp-protect.ts';
import type { NativeAddon, NativeSocket, NativeSrtpContext } from './addon.ts';
import { flushThisTurn, ipv4Number, nativeSocketOf } from './send-queue.ts';

/** Native SRTP protection of one stream, for the fast sender. */
export class NativeProtector implements RtpProtector {
  readonly profile: FastProfile;
  /** The header is copied as the packet is protected: callers may reuse it at once. */
  readonly copiesHeader = true;
  readonly #addon: NativeAddon;
  readonly #ctx: NativeSrtpContext;
  readonly #tagBytes: number;
  /** The last destination address queued for, and it as a number (werift makes a new tuple per read). */
  #host: string | undefined;
  #ip = -1;
  /** The last socket queued on, and the module's twin of it (closed by the module with it). */
  #socket: Socket | undefined;
  #twin: NativeSocket | undefined;

  private constructor(addon: NativeAddon, ctx: NativeSrtpContext, profile: FastProfile) {
    this.#addon = addon;
    this.#ctx = ctx;
    this.profile = profile;
    this.#tagBytes = profile === 'aes-128-gcm' ? 16 : 10;
  }

  /** AEAD_AES_128_GCM (RFC 7714): 16-byte key, the salt's first 12 bytes. Throws on other sizes. */
  static gcm(addon: NativeAddon, key: Buffer, salt: Buffer): NativeProtector {
    return new NativeProtector(addon, addon.gcm(key, salt.subarray(0, 12)), 'aes-128-gcm');
  }

  /** AES_CM_128_HMAC_SHA1_80 (RFC 3711): 16-byte key, 14-byte salt, 20-byte auth key. Throws on other sizes. */
  static cm(addon: NativeAddon, key: Buffer, salt: Buffer, authKey: Buffer): NativeProtector {
    return new NativeProtector(addon, addon.cm(key, salt, authKey), 'aes-cm-128-hmac-sha1-80');
  }

  /** The datagram in one part (see {@link RtpProtector.protect}). */
  protect(header: Buffer, ssrc: number, roc: number, seq: number, prefix: Buffer | undefined, payload: Buffer): Buffer[] {
    const out = Buffer.allocUnsafe(header.length + (prefix?.length ?? 0) + payload.length + this.#tagBytes);
    this.#addon.protect(this.#ctx, ssrc >>> 0, roc >>> 0, seq, header, prefix, payload, out);
    return [out];
  }

  /**
   * Protects the packet into the native send queue, to leave through `socket` to `to` at the
   * end of this event-loop turn. False when it cannot go that way (an IPv6 socket or address,
   * a closed socket — the module closed its twin with it —, a packet larger than a queue slot):
   * send it through `dgram`.
   */
  queue(socket: Socket, to: readonly [string, number], header: Buffer, ssrc: number, roc: number, seq: number, prefix: Buffer | undefined, payload: Buffer): boolean {
    const twin = this.#resolve(socket, to);
    if (!twin || !this.#addon.queue(twin, this.#ctx, ssrc >>> 0, roc >>> 0, seq, header, prefix, payload, this.#ip, to[1])) return false;
    flushThisTurn(this.#addon);
    return true;
  }

  /**
   * What the native fan-out needs to send this stream through `socket` to `to`: the context, the
   * module's twin of the socket and the address as a number; undefined where {@link queue}
   * could not send either.
   */
  route(socket: Socket, to: readonly [string, number]): { ctx: NativeSrtpContext; socket: NativeSocket; ip: number } | undefined {
    const twin = this.#resolve(socket, to);
    return twin ? { ctx: this.#ctx, socket: twin, ip: this.#ip } : undefined;
  }

  /** Whether {@link route} would give `ctx`, `twin` and `ip` (without making the object). */
  routes(socket: Socket, to: readonly [string, number], ctx: NativeSrtpContext, twin: NativeSocket, ip: number): boolean {
    return this.#resolve(socket, to) === twin && this.#ctx === ctx && this.#ip === ip;
  }

  /** The module's twin of `socket` (kept while the socket is the same), with {@link #ip} set for `to`; undefined when it cannot send there. */
  #resolve(socket: Socket, to: readonly [string, number]): NativeSocket | undefined {
    if (socket !== this.#socket || !this.#twin) {
      this.#socket = socket;
      this.#twin = nativeSocketOf(this.#addon, socket);
      if (!this.#twin) return undefined;
    }
    const host = to[0];
    if (host !== this.#host) {
      this.#host = host;
      this.#ip = ipv4Number(host);
    }
    return this.#ip < 0 ? undefined : this.#twin;
  }
}
