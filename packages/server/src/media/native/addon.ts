/**
 * The native fast path's module (`packages/server/native`, C on Node-API): its functions as
 * TypeScript sees them, and its loader. Loading never throws: a module that is absent, built
 * for another Node, missing a symbol (loaded with `RTLD_NOW`, so that shows at load rather
 * than at the first packet) or that protects a packet differently from the JavaScript
 * protectors (a self-test at load) is reported as unavailable, with the reason.
 * @module
 */
import { constants } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { AeadAes128GcmProtector, AesCm128HmacSha1_80Protector, type RtpProtector } from '../srtp-protect.ts';

/** A pre-keyed SRTP context of the module (one per stream direction). */
export interface NativeSrtpContext {
  readonly __nativeSrtp: unique symbol;
}

/** A socket of the module: a duplicate of a `dgram` socket's descriptor. */
export interface NativeSocket {
  readonly __nativeSocket: unique symbol;
}

/** A native fan-out group: the consumers of one producer stream that the module sends to in one call. */
export interface NativeFanoutGroup {
  readonly __nativeFanoutGroup: unique symbol;
}

/** One consumer's stream in a {@link NativeFanoutGroup}: its route, rewriting and state. */
export interface NativeFanoutLeg {
  readonly __nativeFanoutLeg: unique symbol;
}

/** Counters of the module's send queue since the process started. */
export interface NativeSendStats {
  /** Datagrams queued. */
  queued: number;
  /** Datagrams the kernel took. */
  sent: number;
  /** `sendmmsg` calls. */
  syscalls: number;
  /** Datagrams given up (socket buffer full, or refused by the kernel). */
  dropped: number;
  /** The last error number a send returned (0: none). */
  lastErrno: number;
}

/** The native module's functions (see `native/src/addon.c`). */
export interface NativeAddon {
  /** An AEAD_AES_128_GCM context (RFC 7714): 16-byte key, 12-byte salt; `receiving`: for {@link unprotect}. */
  gcm(key: Buffer, salt: Buffer, receiving?: boolean): NativeSrtpContext;
  /** An AES_CM_128_HMAC_SHA1_80 context (RFC 3711): 16-byte key, 14-byte salt, 20-byte auth key. */
  cm(key: Buffer, salt: Buffer, authKey: Buffer): NativeSrtpContext;
  /** Writes `header ‖ E(prefix ‖ payload) ‖ tag` to `out`; returns its length. */
  protect(ctx: NativeSrtpContext, ssrc: number, roc: number, seq: number, header: Buffer, prefix: Buffer | undefined, payload: Buffer, out: Buffer): number;
  /**
   * Checks and decrypts SRTP `packet` (its RTP header `headerLength` bytes) to `out` (the RTP
   * packet: header, clear payload, no tag); returns its length, 0 when it does not authenticate.
   */
  unprotect(ctx: NativeSrtpContext, ssrc: number, roc: number, seq: number, packet: Buffer, headerLength: number, out: Buffer): number;
  /** A duplicate of descriptor `fd` (throws when it cannot be made). */
  openSocket(fd: number): NativeSocket;
  /** Sends what is queued, then closes the duplicate. */
  closeSocket(socket: NativeSocket): void;
  /**
   * Protects a packet straight into the send queue, for IPv4 `ip` (a 32-bit number) : `port`.
   * False when it could not (larger than a queue slot): send it another way.
   */
  queue(socket: NativeSocket, ctx: NativeSrtpContext, ssrc: number, roc: number, seq: number, header: Buffer, prefix: Buffer | undefined, payload: Buffer, ip: number, port: number): boolean;
  /** Sends every queued datagram (`sendmmsg`, per socket); returns how many the kernel took. */
  flush(): number;
  /** Datagrams queued and not yet sent. */
  pending(): number;
  /** The queue's counters. */
  stats(): NativeSendStats;
  /**
   * SRTCP (RFC 7714 §9) on a GCM context made with the SRTCP key and salt: writes the protected
   * compound `packet` under SRTCP index `index` to `out` (room for its length + 20); returns the
   * length written (0: failed).
   */
  protectRtcp(ctx: NativeSrtpContext, index: number, packet: Buffer, out: Buffer): number;
  /** Checks and opens an SRTCP packet on a receiving GCM context into `out`; returns the RTCP length, 0 when it does not authenticate. */
  unprotectRtcp(ctx: NativeSrtpContext, packet: Buffer, out: Buffer): number;
  /**
   * Milliseconds since the kernel received the last datagram read from descriptor `fd`; -1 when
   * not known (the first call on a socket turns the kernel's stamping on; not Linux).
   */
  receivedAgo(fd: number): number;
  /**
   * Asks V8 to start an incremental, memory-reducing GC of this thread's heap (its "moderate
   * memory pressure"); false when this Node has no such entry point (`memory-reclaim.ts`).
   */
  heapPressure(): boolean;
  /** Whether this Node has the V8 entry point {@link heapPressure} needs. */
  readonly heapPressureAvailable: boolean;
  /** A new, empty fan-out group (`native/src/fanout.h`). */
  fanoutGroup(): NativeFanoutGroup;
  /** A new leg, in no group, with no route. */
  fanoutLeg(): NativeFanoutLeg;
  /**
   * Gives `leg` its route (SRTP context, socket, IPv4 `ip` as a number, port, SSRC, payload type,
   * transport-wide extension id or 0, the connection's shared numbering block or undefined), its
   * rewriting (output = input + offset; VP8 picture ids in 15-bit space, TL0PICIDX in 8-bit) and
   * its state (last sequence number or -1, rollover counter, last timestamp and send time,
   * packets and payload bytes sent).
   */
  fanoutLegSet(
    leg: NativeFanoutLeg,
    ctx: NativeSrtpContext,
    socket: NativeSocket,
    ip: number,
    port: number,
    ssrc: number,
    pt: number,
    ccId: number,
    ccBlock: Buffer | undefined,
    seqOffset: number,
    tsOffset: number,
    pidOffset: number,
    tl0Offset: number,
    lastSeq: number,
    roc: number,
    lastTs: number,
    lastSendMs: number,
    packets: number,
    octets: number,
  ): void;
  /** Writes the leg's state to `out`: last sequence number (-1: none), rollover counter, last timestamp, last send time, packets, payload bytes. */
  fanoutLegState(leg: NativeFanoutLeg, out: Float64Array): void;
  /** Puts `leg` in `group` (out of any other). */
  fanoutAdd(group: NativeFanoutGroup, leg: NativeFanoutLeg): void;
  /** Takes `leg` out of its group. */
  fanoutRemove(leg: NativeFanoutLeg): void;
  /**
   * Sends one RTP packet on every leg of `group` (into the send queue); returns on how many. A VP8
   * payload's ids (positions in the payload, -1 where absent; the picture id's width 7 or 15) are
   * moved by each leg's offsets in the copy it encrypts.
   */
  fanout(group: NativeFanoutGroup, seq: number, ts: number, marker: boolean, payload: Buffer, nowMs: number, pidPos?: number, pidBits?: number, pid?: number, tl0Pos?: number, tl0?: number): number;
  /** Whether this platform batches with `sendmmsg` (Linux). */
  readonly batching: boolean;
}

/** Where `npm install` (`native/build.mjs`) puts the module. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/rtcroom_native.node', import.meta.url));

/** The module, or why there is none. */
export type AddonLoad = { addon: NativeAddon; reason?: undefined } | { addon?: undefined; reason: string };

const FUNCTIONS = ['gcm', 'cm', 'protect', 'unprotect', 'openSocket', 'closeSocket', 'queue', 'flush', 'pending', 'stats', 'receivedAgo', 'protectRtcp', 'unprotectRtcp', 'heapPressure', 'fanoutGroup', 'fanoutLeg', 'fanoutLegSet', 'fanoutLegState', 'fanoutAdd', 'fanoutRemove', 'fanout'] as const;

/** Loads the module at `path` and checks it against the JavaScript protectors. */
export function loadNativeAddon(path = DEFAULT_ADDON_PATH): AddonLoad {
  if (!existsSync(path)) return { reason: `not built (no ${path}; needs a C compiler, make and python3 at npm install)` };
  const module = { exports: {} as Record<string, unknown> };
  try {
    process.dlopen(module, path, constants.dlopen.RTLD_NOW);
  } catch (e) {
    return { reason: `cannot be loaded: ${(e as Error).message}` };
  }
  const addon = module.exports;
  const missing = FUNCTIONS.filter((f) => typeof addon[f] !== 'function');
  if (missing.length) return { reason: `lacks ${missing.join(', ')}: not rtcroom's native module, or one built from older sources (rebuild: npm run build:native)` };
  const native = addon as unknown as NativeAddon;
  if (!native.batching) return { reason: 'has no sendmmsg on this platform' };
  try {
    const mismatch = selfTest(native);
    if (mismatch) return { reason: `failed its self-test: ${mismatch}` };
  } catch (e) {
    return { reason: `failed its self-test: ${(e as Error).message}` };
  }
  return { addon: native };
}

/** Protects (and opens) a few packets both ways; a description of the first difference, or undefined. */
function selfTest(native: NativeAddon): string | undefined {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const auth = randomBytes(20);
  const cases: [string, NativeSrtpContext, RtpProtector, NativeSrtpContext][] = [
    ['AES-128-GCM', native.gcm(key, salt.subarray(0, 12)), new AeadAes128GcmProtector(key, salt), native.gcm(key, salt.subarray(0, 12), true)],
    ['AES-CM-128-HMAC-SHA1-80', native.cm(key, salt, auth), new AesCm128HmacSha1_80Protector(key, salt, auth), native.cm(key, salt, auth)],
  ];
  const payload = randomBytes(1000);
  for (const [name, ctx, js, receiving] of cases) {
    for (const [roc, seq, prefix] of [[0, 1, undefined], [3, 0xfffe, Buffer.from([0x12, 0x34])]] as const) {
      const header = Buffer.from('80e0000000003039deadbeef', 'hex');
      header.writeUInt16BE(seq, 2);
      const expected = Buffer.concat(js.protect(header, 0xdeadbeef, roc, seq, prefix, payload));
      const out = Buffer.alloc(expected.length);
      const n = native.protect(ctx, 0xdeadbeef, roc, seq, header, prefix, payload, out);
      if (n !== expected.length || !out.equals(expected)) return `${name} differs from the JavaScript protector`;
      if (!prefix) {
        const clear = Buffer.alloc(expected.length);
        const m = native.unprotect(receiving, 0xdeadbeef, roc, seq, expected, 12, clear);
        if (m !== 12 + payload.length || !clear.subarray(0, m).equals(Buffer.concat([header, payload]))) return `${name} does not open what it protects`;
      }
    }
  }
  return undefined;
}
