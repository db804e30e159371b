/**
 * The `tt` object mini-program code calls: the SDK's shim (`createRtcRoomContext`,
 * `showToast`, `getSystemInfoSync`, `authorize`, `getSetting`) plus navigation, the interaction
 * boxes, `request`, `login`, storage and the navigation bar. Any other `tt.x` is a function that
 * fails with an errMsg naming `x` (never `undefined is not a function`).
 * @module
 */
import { tt as sdkTt } from '@rtcroom/sdk';
import { asyncApi, failOf, syncApi } from './api-call.ts';
import type { Router } from './router.ts';
import * as storage from './storage.ts';
import { hideLoadingBox, hideToastBox, showLoadingBox, showModalBox, type ModalOptions } from './ui.ts';

/** What the `tt` object needs from the running app. */
export interface TtDeps {
  router(): Router;
  /** rtcroom server URL ('' = the page's origin). */
  serverUrl: string;
}

type Opts = Record<string, unknown> | undefined;

function str(o: Opts, k: string): unknown {
  return o && typeof o === 'object' ? o[k] : undefined;
}

function anonymousId(): string {
  const k = 'tt-anonymous-id';
  let id = globalThis.localStorage?.getItem(k);
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    globalThis.localStorage?.setItem(k, id);
  }
  return id;
}

function requestUrl(url: unknown, data: unknown, method: string, base: string): string {
  if (typeof url !== 'string' || !url) throw new Error('url should be a non-empty string');
  const u = new URL(url, base || location.href);
  if (method === 'GET' && data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) u.searchParams.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return u.href;
}

function request(o: Opts, base: string): { abort(): void } {
  const ctrl = new AbortController();
  void asyncApi('request', o, async () => {
    const method = String(str(o, 'method') ?? 'GET').toUpperCase();
    const header = { ...((str(o, 'header') as Record<string, string> | undefined) ?? {}) };
    const type = Object.entries(header).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
    const data = str(o, 'data');
    let body: string | undefined;
    if (method !== 'GET' && method !== 'HEAD' && data !== undefined) {
      if (typeof data === 'string') body = data;
      else if (type.includes('x-www-form-urlencoded')) body = new URLSearchParams(data as Record<string, string>).toString();
      else body = JSON.stringify(data);
      if (!Object.keys(header).some((k) => k.toLowerCase() === 'content-type')) header['content-type'] = type;
    }
    const timeout = Number(str(o, 'timeout') ?? 60_000);
    const timer = setTimeout(() => ctrl.abort(new Error('timeout')), timeout);
    let res: Response;
    try {
      res = await fetch(requestUrl(str(o, 'url'), data, method, base), { method, headers: header, body, signal: ctrl.signal });
    } catch (e) {
      throw failOf('request', ctrl.signal.aborted ? (ctrl.signal.reason instanceof Error && ctrl.signal.reason.message === 'timeout' ? 'timeout' : 'abort') : String((e as Error)?.message ?? e));
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((str(o, 'dataType') ?? 'json') === 'json') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the text, as the mini-program does
      }
    }
    return { statusCode: res.status, data: parsed, header: Object.fromEntries(res.headers) };
  });
  return { abort: () => ctrl.abort() };
}

function nav(name: string, o: Opts, go: () => void) {
  return asyncApi(name, o, () => {
    go();
    return {};
  });
}

/** Builds the `tt` object (wrapped in the Proxy that answers unknown names). */
export function createTt(deps: TtDeps): Record<string, unknown> {
  const api: Record<string, unknown> = {
    createRtcRoomContext(o: unknown) {
      const opts = typeof o === 'string' ? { appId: o } : o;
      if (deps.serverUrl && opts && typeof opts === 'object' && (opts as { server?: unknown }).server === undefined) {
        return sdkTt.createRtcRoomContext({ ...(opts as { appId: string }), server: deps.serverUrl });
      }
      return sdkTt.createRtcRoomContext(opts as { appId: string });
    },
    showToast: (o: Opts) => sdkTt.showToast(o as never),
    hideToast: (o: Opts) => asyncApi('hideToast', o, () => (hideToastBox(), {})),
    showLoading: (o: Opts) =>
      asyncApi('showLoading', o, () => {
        const t = str(o, 'title');
        if (typeof t !== 'string') throw new Error(`title should be a string, got ${typeof t}`);
        showLoadingBox(t);
        return {};
      }),
    hideLoading: (o: Opts) => asyncApi('hideLoading', o, () => (hideLoadingBox(), {})),
    showModal: (o: Opts) => asyncApi('showModal', o, () => showModalBox((o ?? {}) as ModalOptions)),
    request: (o: Opts) => request(o, deps.serverUrl),
    login: (o: Opts) => asyncApi('login', o, () => ({ code: `web-${anonymousId()}`, anonymousCode: `web-anon-${anonymousId()}`, isLogin: false })),
    checkSession: (o: Opts) => asyncApi('checkSession', o, () => ({})),
    getSystemInfoSync: () => sdkTt.getSystemInfoSync(),
    getSystemInfo: (o: Opts) => asyncApi('getSystemInfo', o, () => sdkTt.getSystemInfoSync()),
    authorize: (o: Opts) => sdkTt.authorize(o as never),
    getSetting: (o: Opts) => sdkTt.getSetting((o ?? {}) as never),
    // a browser cannot open its permission settings: report the current state, as after closing them
    openSetting: (o: Opts) => asyncApi('openSetting', o, async () => ({ authSetting: (await sdkTt.getSetting())?.authSetting ?? {} })),
    setStorageSync: (key: unknown, data: unknown) => syncApi('setStorageSync', () => storage.setItem(key, data)),
    getStorageSync: (key: unknown) => syncApi('getStorageSync', () => storage.getItem(key).data),
    removeStorageSync: (key: unknown) => syncApi('removeStorageSync', () => storage.removeItem(key)),
    clearStorageSync: () => storage.clear(),
    getStorageInfoSync: () => storage.info(),
    setStorage: (o: Opts) => asyncApi('setStorage', o, () => (storage.setItem(str(o, 'key'), str(o, 'data')), {})),
    getStorage: (o: Opts) =>
      asyncApi('getStorage', o, () => {
        const r = storage.getItem(str(o, 'key'));
        if (!r.found) throw new Error('data not found');
        return { data: r.data };
      }),
    removeStorage: (o: Opts) => asyncApi('removeStorage', o, () => (storage.removeItem(str(o, 'key')), {})),
    clearStorage: (o: Opts) => asyncApi('clearStorage', o, () => (storage.clear(), {})),
    getStorageInfo: (o: Opts) => asyncApi('getStorageInfo', o, () => storage.info()),
    navigateTo: (o: Opts) => nav('navigateTo', o, () => deps.router().navigateTo(str(o, 'url'))),
    redirectTo: (o: Opts) => nav('redirectTo', o, () => deps.router().redirectTo(str(o, 'url'))),
    reLaunch: (o: Opts) => nav('reLaunch', o, () => deps.router().reLaunch(str(o, 'url'))),
    navigateBack: (o: Opts) => nav('navigateBack', o, () => deps.router().navigateBack(str(o, 'delta'))),
    setNavigationBarTitle: (o: Opts) => nav('setNavigationBarTitle', o, () => deps.router().setTitle(str(o, 'title'))),
    setNavigationBarColor: (o: Opts) => nav('setNavigationBarColor', o, () => deps.router().setColors(str(o, 'frontColor'), str(o, 'backgroundColor'))),
  };
  api.canIUse = (name: unknown) => typeof name === 'string' && Object.hasOwn(api, name.split('.')[0] ?? '');
  return new Proxy(api, {
    get(target, key) {
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      return unsupported(key);
    },
  });
}

/** The stand-in for an API the web runtime does not have. */
function unsupported(name: string): (o?: unknown) => unknown {
  return (o?: unknown) => {
    const reason = `tt.${name} is not supported by the web runtime`;
    console.warn(`[miniapp] ${reason}`);
    if (name.endsWith('Sync')) throw new Error(`${name}:fail ${reason}`);
    return asyncApi(name, o, () => {
      throw failOf(name, reason);
    });
  };
}
