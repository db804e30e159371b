/**
 * A tiny `App` / `Page` / `getApp` adapter so mini-program page code runs in a web page: `App()`
 * keeps the app object and runs its `onLaunch`; `Page()` makes a page instance with `data`,
 * `setData(patch, callback)` and the lifecycle hooks (`onLoad` gets the URL's query, `onReady`,
 * `onUnload` on page hide). Methods are bound to the page, so `this.onX` can be passed as a
 * listener. Templates do not exist on the web: a page may define `render()` (a web addition),
 * which runs after every `setData`.
 * @module
 */

/** What `App({...})` accepts: any globals plus the lifecycle hook. */
export type AppOptions = Record<string, unknown> & { onLaunch?: (this: AppOptions, options: { query: Record<string, string> }) => void };

/** A page instance. */
export type PageInstance<D extends Record<string, unknown> = Record<string, unknown>> = Record<string, unknown> & {
  data: D;
  /** Merges `patch` into `data`, runs `render()` if the page has one, then `callback`. */
  setData(patch: Partial<D> & Record<string, unknown>, callback?: () => void): void;
  /** The page's URL query. */
  options: Record<string, string>;
};

/** What `Page({...})` accepts. */
export type PageOptions = Record<string, unknown> & {
  data?: Record<string, unknown>;
  onLoad?: (this: PageInstance, query: Record<string, string>) => void;
  onReady?: (this: PageInstance) => void;
  onUnload?: (this: PageInstance) => void;
  /** Web addition: draws the page from `this.data`. */
  render?: (this: PageInstance) => void;
};

let app: AppOptions | undefined;
const pages: PageInstance[] = [];

function query(): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(globalThis.location?.search ?? ''));
}

/** Registers the app object and runs its `onLaunch`. */
export function App(options: AppOptions): void {
  app = options;
  options.onLaunch?.call(options, { query: query() });
}

/** The app object given to `App()`. */
export function getApp<T extends AppOptions = AppOptions>(): T {
  if (!app) throw new Error('getApp() before App({...})');
  return app as T;
}

/** The pages created with `Page()`, oldest first. */
export function getCurrentPages(): PageInstance[] {
  return [...pages];
}

/** Creates the page instance and runs `onLoad(query)` and `onReady` once the DOM is ready. */
export function Page(options: PageOptions): PageInstance {
  const page = Object.assign(Object.create(null) as Record<string, unknown>, options) as PageInstance;
  // methods keep their page when passed as callbacks (app.RtcClient.onRtcChatMembersChanged(this.onX))
  for (const [k, v] of Object.entries(options)) if (typeof v === 'function') page[k] = (v as (...a: unknown[]) => unknown).bind(page);
  page.data = structuredClone(options.data ?? {});
  page.options = query();
  page.setData = (patch, callback) => {
    Object.assign(page.data, patch);
    if (typeof page.render === 'function') (page.render as () => void).call(page);
    callback?.call(page);
  };
  pages.push(page);
  const start = (): void => {
    options.onLoad?.call(page, page.options);
    if (typeof page.render === 'function') (page.render as () => void).call(page);
    options.onReady?.call(page);
  };
  if (typeof document === 'undefined' || document.readyState !== 'loading') queueMicrotask(start);
  else document.addEventListener('DOMContentLoaded', start, { once: true });
  globalThis.addEventListener?.('pagehide', () => options.onUnload?.call(page), { once: true });
  return page;
}
