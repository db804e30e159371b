/**
 * The `tt` shim: the few `tt.*` APIs that mini-program call code uses around
 * `createRtcRoomContext`, on the web. Mini-program call code runs against it unchanged.
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';
import { createRtcRoomContext } from '../create.ts';
import { settle, type Callbacks, type OkResult } from '../callbacks.ts';
import { showToastNow, type ShowToastOptions } from './toast.ts';

/** `tt.getSystemInfoSync()`'s result (the fields call code reads). */
export interface SystemInfo {
  screenWidth: number;
  screenHeight: number;
  windowWidth: number;
  windowHeight: number;
  pixelRatio: number;
  /** `ios`, `android`, `windows`, `mac`, `linux` or `web`. */
  platform: string;
  /** Browser language, e.g. `zh-CN`. */
  language: string;
  /** Always `web` here. */
  appName: string;
  /** The browser's user agent. */
  system: string;
}

/** The two scopes call code asks for. */
export type Scope = 'scope.camera' | 'scope.record';

/** `tt.getSetting` result. */
export interface SettingResult extends OkResult {
  /** Granted (true) or refused (false) scopes; undecided ones are absent. */
  authSetting: Partial<Record<Scope, boolean>>;
}

function platform(): string {
  const ua = globalThis.navigator?.userAgent ?? '';
  if (/android/i.test(ua)) return 'android';
  if (/iphone|ipad|ipod/i.test(ua)) return 'ios';
  if (/windows/i.test(ua)) return 'windows';
  if (/mac os/i.test(ua)) return 'mac';
  if (/linux/i.test(ua)) return 'linux';
  return 'web';
}

const PERMISSION: Record<Scope, PermissionName> = { 'scope.camera': 'camera' as PermissionName, 'scope.record': 'microphone' as PermissionName };

async function permissionState(scope: Scope): Promise<PermissionState | undefined> {
  try {
    return (await navigator.permissions.query({ name: PERMISSION[scope] })).state;
  } catch {
    return undefined;
  }
}

async function authorize(scope: unknown): Promise<OkResult> {
  if (scope !== 'scope.camera' && scope !== 'scope.record') {
    throw new RtcError('paramError', 'authorize', `expect params.scope to be one of "scope.camera", "scope.record", but got ${JSON.stringify(scope)}`);
  }
  try {
    const s = await navigator.mediaDevices.getUserMedia(scope === 'scope.camera' ? { video: true } : { audio: true });
    for (const t of s.getTracks()) t.stop();
  } catch (e) {
    const name = (e as { name?: string })?.name;
    throw name === 'NotAllowedError' || name === 'SecurityError' ? new RtcError('authDeny', 'authorize') : new RtcError('captureFailed', 'authorize', String((e as Error)?.message ?? e));
  }
  return { errMsg: 'authorize:ok' };
}

async function getSetting(): Promise<SettingResult> {
  const authSetting: Partial<Record<Scope, boolean>> = {};
  for (const scope of ['scope.camera', 'scope.record'] as const) {
    const state = await permissionState(scope);
    if (state === 'granted') authSetting[scope] = true;
    if (state === 'denied') authSetting[scope] = false;
  }
  return { errMsg: 'getSetting:ok', authSetting };
}

/** The `tt` object. */
export const tt = {
  /** Same as the SDK's `createRtcRoomContext`. */
  createRtcRoomContext,
  /** Shows a toast; returns a promise without callbacks, like the other async APIs. */
  showToast(options: ShowToastOptions & Callbacks): Promise<OkResult> | undefined {
    const work = (async () => {
      if (typeof options?.title !== 'string') throw new RtcError('paramError', 'showToast', `params.title should be string, but got ${typeof options?.title}`);
      showToastNow(options);
      return { errMsg: 'showToast:ok' };
    })();
    return settle(options, work);
  },
  /** Screen, window and device facts. */
  getSystemInfoSync(): SystemInfo {
    const g = globalThis as { screen?: Screen; innerWidth?: number; innerHeight?: number; devicePixelRatio?: number; navigator?: Navigator };
    return {
      screenWidth: g.screen?.width ?? 0,
      screenHeight: g.screen?.height ?? 0,
      windowWidth: g.innerWidth ?? 0,
      windowHeight: g.innerHeight ?? 0,
      pixelRatio: g.devicePixelRatio ?? 1,
      platform: platform(),
      language: g.navigator?.language ?? 'en',
      appName: 'web',
      system: g.navigator?.userAgent ?? '',
    };
  },
  /** Asks for `scope.camera` or `scope.record` (a real browser prompt); refusal → 10200. */
  authorize(options: { scope: Scope } & Callbacks): Promise<OkResult> | undefined {
    return settle(options, authorize(options?.scope));
  },
  /** Which scopes the browser has granted or refused. */
  getSetting(options: Callbacks<SettingResult> = {}): Promise<SettingResult> | undefined {
    return settle(options, getSetting());
  },
};

export type { ShowToastOptions };
