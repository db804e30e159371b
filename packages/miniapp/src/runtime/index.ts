/**
 * The mini-program runtime's browser entry (bundled with the SDK as `runtime.js`). `project.js`
 * calls `__ttRegister(manifest, modules)`: the runtime loads the styles, runs `app.js`
 * (`App()`, `onLaunch`, `onShow`), then opens the first page of `app.json` (or the page named by
 * the URL's `#/route?query`).
 * @module
 */
import type { CompiledTemplate } from '../ir.ts';
import type { ProjectManifest } from '../compiler/project.ts';
import { BASE_STYLE } from './base-style.ts';
import { Modules, type ModuleFactory } from './modules.ts';
import type { PageOptions } from './page.ts';
import { guard } from './page.ts';
import { parseUrl, Router } from './router.ts';
import { createTt } from './tt.ts';

type AppObject = Record<string, unknown> & { globalData?: Record<string, unknown> };

function style(css: string, id: string): void {
  const s = document.createElement('style');
  s.dataset.tt = id;
  s.textContent = css;
  document.head.append(s);
}

function host(): HTMLElement {
  let h = document.getElementById('tt-app');
  if (!h) {
    h = document.createElement('div');
    h.id = 'tt-app';
    document.body.append(h);
  }
  return h;
}

/** Draws an error where the app would be (compile errors, a crashing app.js). */
function showError(message: string): void {
  const pre = document.createElement('pre');
  pre.className = 'tt-error';
  pre.setAttribute('role', 'alert');
  pre.textContent = message;
  host().append(pre);
  console.error(`[miniapp] ${message}`);
}

function start(manifest: ProjectManifest, factories: Record<string, ModuleFactory>): void {
  style(BASE_STYLE, 'base');
  style(manifest.appStyle, 'app');
  let app: AppObject | undefined;
  const pageOptions = new Map<string, PageOptions>();
  let loading: string | undefined;
  let router: Router | undefined;
  const warned = new Set<string>();
  const env = {
    templates: manifest.templates,
    warn(m: string) {
      if (!warned.has(m)) {
        warned.add(m);
        console.warn(`[miniapp] ${m}`);
      }
    },
  };
  const tt = createTt({
    router: () => {
      if (!router) throw new Error('no page is open yet');
      return router;
    },
    serverUrl: manifest.serverUrl,
  });
  const App = (o: AppObject): void => {
    if (app) return console.warn('[miniapp] App() called twice: the first call counts');
    if (!o || typeof o !== 'object') throw new TypeError('App() needs an object');
    app = o;
    for (const [k, v] of Object.entries(o)) if (typeof v === 'function') o[k] = (v as (...a: unknown[]) => unknown).bind(o);
  };
  const Page = (o: PageOptions): void => {
    if (!o || typeof o !== 'object') throw new TypeError('Page() needs an object');
    if (!loading) return console.warn('[miniapp] Page() outside a page file is ignored');
    pageOptions.set(loading, o);
  };
  const getApp = (): AppObject => {
    if (!app) throw new Error('getApp() before App({...})');
    return app;
  };
  const getCurrentPages = () => router?.pages() ?? [];
  const Component = (): never => {
    throw new Error('custom components (Component()) are not supported by the web runtime');
  };
  const modules = new Modules(factories, () => [App, Page, getApp, getCurrentPages, tt, tt, Component, Component]);
  const w = globalThis as unknown as Record<string, unknown>;
  Object.assign(w, { tt, wx: tt, getApp, getCurrentPages });

  const appModule = modules.resolve('app', '');
  if (!appModule) return showError('there is no app.js');
  try {
    modules.require(appModule);
  } catch (e) {
    return showError(`app.js failed: ${(e as Error)?.stack ?? e}`);
  }
  if (!app) return showError('app.js did not call App({...})');
  const launchApp = app;

  const pages = manifest.app.pages;
  router = new Router(host(), {
    pages,
    window: (manifest.app.window ?? {}) as Record<string, unknown>,
    pageConfig: (r) => manifest.pages[r]?.config ?? {},
    pageStyle: (r) => manifest.pages[r]?.style ?? '',
    template: (r) => (manifest.templates[`${r}.ttml`] ?? manifest.templates[`${r}.wxml`]) as CompiledTemplate | undefined,
    pageOptions(route) {
      const hit = pageOptions.get(route);
      if (hit) return hit;
      loading = route;
      try {
        modules.require(route);
      } finally {
        loading = undefined;
      }
      const o = pageOptions.get(route);
      if (!o) throw new Error(`${route} did not call Page({...})`);
      return o;
    },
    env,
  });
  let hash = '';
  try {
    hash = decodeURI(location.hash.replace(/^#\/?/, ''));
  } catch {
    // a malformed link opens the first page
  }
  const deep = hash ? parseUrl(hash, '') : undefined;
  const first = deep && pages.includes(deep.route) ? hash : (pages[0] as string);
  const launch = { path: parseUrl(first, '').route, query: parseUrl(first, '').query, scene: 1001 };
  guard('App.onLaunch', () => (launchApp.onLaunch as ((o: unknown) => void) | undefined)?.(launch));
  guard('App.onShow', () => (launchApp.onShow as ((o: unknown) => void) | undefined)?.(launch));
  // the app goes to the background with the tab: page onHide then App.onHide; back: App.onShow then page onShow
  document.addEventListener('visibilitychange', () => {
    const hidden = document.visibilityState === 'hidden';
    const hook = hidden ? 'onHide' : 'onShow';
    if (hidden) router?.visibility(true);
    guard(`App.${hook}`, () => (launchApp[hook] as ((o: unknown) => void) | undefined)?.(launch));
    if (!hidden) router?.visibility(false);
  });
  try {
    router.reLaunch(`/${first}`);
  } catch (e) {
    showError(`cannot open ${first}: ${(e as Error)?.stack ?? e}`);
  }
}

const g = globalThis as unknown as Record<string, unknown>;
g.__ttRegister = (manifest: ProjectManifest, factories: Record<string, ModuleFactory>) => {
  const go = (): void => start(manifest, factories);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
};
g.__ttCompileError = (message: string) => {
  const go = (): void => {
    style(BASE_STYLE, 'base');
    showError(`This mini-program does not compile:\n\n${message}`);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
};
