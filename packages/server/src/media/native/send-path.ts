/**
 * Which send path the media plane runs: `native` (the module of `packages/server/native`:
 * pre-keyed SRTP contexts and `sendmmsg` batches) or `js` (Node's ciphers and one `dgram` send
 * per packet). Chosen once per process by `--native off|auto|on` (or `RTCROOM_NATIVE`): `auto`
 * takes the module when it loads, `on` refuses to start without it.
 * @module
 */
import { DEFAULT_ADDON_PATH, loadNativeAddon, type NativeAddon, type NativeSendStats } from './addon.ts';
import { belowWerift } from '../werift-media-receive.ts';
import { laneSeats } from '../express-lane.ts';

/** The values of `--native` / `RTCROOM_NATIVE`. */
export const NATIVE_MODES = ['off', 'auto', 'on'] as const;

/** The choice of `--native` / `RTCROOM_NATIVE`. */
export type NativeMode = (typeof NATIVE_MODES)[number];

/** Whether `value` is a {@link NativeMode}. */
export function isNativeMode(value: string): value is NativeMode {
  return (NATIVE_MODES as readonly string[]).includes(value);
}

/** The mode `RTCROOM_NATIVE` asks for (`auto` when unset); throws a clear error on another value. */
export function nativeModeFromEnv(env: NodeJS.ProcessEnv = process.env): NativeMode {
  const v = env.RTCROOM_NATIVE?.trim().toLowerCase();
  if (v === undefined || v === '') return 'auto';
  if (!isNativeMode(v)) throw new Error(`RTCROOM_NATIVE must be one of ${NATIVE_MODES.join(', ')}; got "${env.RTCROOM_NATIVE}"`);
  return v;
}

/** The send path chosen. */
export interface SendPathChoice {
  /** Which path runs. */
  readonly path: 'native' | 'js';
  /** The module, on the native path. */
  readonly addon: NativeAddon | undefined;
  /** Why the JavaScript path runs (`--native off`, or why the module is unavailable). */
  readonly reason: string | undefined;
}

/** What `/healthz` shows of the send path. */
export interface SendPathHealth {
  path: 'native' | 'js';
  reason?: string;
  /** The native queue's counters (native path, media in this process). */
  sends?: NativeSendStats;
  /** Publishers' RTP packets taken below werift (native path, media in this process; werift-media-receive.ts). */
  receivedNatively?: number;
  /** Consumers the express lanes send now, by kind (native path, media in this process; express-lane.ts). */
  expressLane?: { audio: number; video: number };
}

/**
 * Chooses the send path for `mode`; throws when `mode` is `on` and the module is unavailable.
 * @param addonPath the module's file (tests)
 */
export function chooseSendPath(mode: NativeMode, addonPath = DEFAULT_ADDON_PATH): SendPathChoice {
  if (mode === 'off') return { path: 'js', addon: undefined, reason: 'off (--native off or RTCROOM_NATIVE=off)' };
  const load = loadNativeAddon(addonPath);
  if (load.addon) return { path: 'native', addon: load.addon, reason: undefined };
  const reason = `the native module ${load.reason}`;
  if (mode === 'on') throw new Error(`--native on: ${reason}`);
  return { path: 'js', addon: undefined, reason };
}

/**
 * The send path's figures for `/healthz`; `counters` false leaves out this process's send
 * counters (media on worker processes: they send, this process does not).
 */
export function sendPathHealth(choice: SendPathChoice, counters = true): SendPathHealth {
  if (choice.addon) return counters ? { path: 'native', sends: choice.addon.stats(), receivedNatively: belowWerift.packets, expressLane: { ...laneSeats } } : { path: 'native' };
  return choice.reason ? { path: 'js', reason: choice.reason } : { path: 'js' };
}
