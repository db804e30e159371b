/**
 * The page stack in one document: `navigateTo` / `redirectTo` / `navigateBack` / `reLaunch`,
 * query strings into `onLoad(options)`, the browser's back button (each pushed page is a history
 * entry, `#/route?query`), and the top bar drawn from `app.json`'s `window` and the page's json.
 * @module
 */
import type { CompiledTemplate } from '../ir.ts';
import { LivePage, type PageInstance, type PageOptions } from './page.ts';
import type { RenderEnv } from './render.ts';
import { posix } from './posix-path.ts';

/** A navigation that cannot happen (unknown page, nothing to go back to …). */
export class NavError extends Error {}

/** What the router needs from the loaded project. */
export interface RouterDeps {
  pages: string[];
  window: Record<string, unknown>;
  pageConfig(route: string): Record<string, unknown>;
  pageStyle(route: string): string;
  template(route: string): CompiledTemplate | undefined;
  /** Loads the page module (which calls `Page()`) and returns its options. */
  pageOptions(route: string): PageOptions;
  env: RenderEnv;
}

interface Entry {
  page: LivePage;
  title: string;
}

/** Splits `pages/call/index?room=1&x=a` (relative to `from`) into a route and its query. */
export function parseUrl(url: string, from: string): { route: string; query: Record<string, string> } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q + 1);
  const route = path.startsWith('/') ? posix.normalize(path) : from ? posix.join(posix.dirname(from), path) : posix.normalize(path);
  const query: Record<string, string> = {};
  for (const pair of search.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    // values stay as written (the mini-program leaves decoding to the page)
    query[eq < 0 ? pair : pair.slice(0, eq)] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return { route, query };
}

/** The page stack and the top bar. */
export class Router {
  readonly #deps: RouterDeps;
  readonly #host: HTMLElement;
  readonly #bar: HTMLElement;
  readonly #title: HTMLElement;
  readonly #back: HTMLButtonElement;
  readonly #body: HTMLElement;
  readonly #styles = new Map<string, HTMLStyleElement>();
  readonly #stack: Entry[] = [];
  #ignorePops = 0;

  constructor(host: HTMLElement, deps: RouterDeps) {
    this.#deps = deps;
    this.#host = host;
    this.#bar = document.createElement('header');
    this.#bar.className = 'tt-navbar';
    this.#back = document.createElement('button');
    this.#back.className = 'tt-navbar-back';
    this.#back.type = 'button';
    this.#back.setAttribute('aria-label', 'Back');
    this.#back.textContent = '‹';
    this.#back.addEventListener('click', () => history.back());
    this.#title = document.createElement('h1');
    this.#title.className = 'tt-navbar-title';
    this.#body = document.createElement('main');
    this.#body.className = 'tt-pages';
    this.#bar.append(this.#back, this.#title);
    host.append(this.#bar, this.#body);
    globalThis.addEventListener('popstate', (e) => this.#onPop(e));
  }

  /** The live page instances, bottom first (`getCurrentPages()`). */
  pages(): PageInstance[] {
    return this.#stack.map((e) => e.page.instance);
  }

  #top(): Entry | undefined {
    return this.#stack[this.#stack.length - 1];
  }

  #resolve(url: unknown): { route: string; query: Record<string, string> } {
    if (typeof url !== 'string' || !url) throw new NavError('url should be a non-empty string');
    const r = parseUrl(url, this.#top()?.page.route ?? '');
    if (!this.#deps.pages.includes(r.route)) throw new NavError(`page "${r.route}" is not found`);
    return r;
  }

  #create(route: string, query: Record<string, string>): Entry {
    const template = this.#deps.template(route);
    if (!template) throw new NavError(`page "${route}" has no template`);
    const page = new LivePage(this.#deps.pageOptions(route), route, query, template, this.#deps.env);
    const config = this.#deps.pageConfig(route);
    const title = String(config.navigationBarTitleText ?? this.#deps.window.navigationBarTitleText ?? '');
    if (!this.#styles.has(route)) {
      const s = document.createElement('style');
      s.dataset.route = route;
      s.textContent = this.#deps.pageStyle(route);
      document.head.append(s);
      this.#styles.set(route, s);
    }
    return { page, title };
  }

  #show(e: Entry, first: boolean, query?: Record<string, string>): void {
    for (const other of this.#stack) other.page.root.hidden = other !== e;
    // only the top page's stylesheet applies, as each page's styles are its own
    for (const [route, s] of this.#styles) s.disabled = route !== e.page.route;
    if (first) {
      this.#body.append(e.page.root);
      e.page.hook('onLoad', query ?? {});
      e.page.render();
    }
    this.#drawBar(e);
    e.page.hook('onShow');
    if (first) e.page.hook('onReady');
  }

  #drawBar(e: Entry): void {
    const w = { ...this.#deps.window, ...this.#deps.pageConfig(e.page.route) };
    this.#bar.hidden = w.navigationStyle === 'custom';
    this.#bar.style.background = typeof w.navigationBarBackgroundColor === 'string' ? w.navigationBarBackgroundColor : '';
    this.#bar.style.color = w.navigationBarTextStyle === 'white' ? '#fff' : w.navigationBarTextStyle === 'black' ? '#000' : '';
    this.#body.style.background = typeof w.backgroundColor === 'string' ? w.backgroundColor : '';
    this.#title.textContent = e.title;
    this.#back.hidden = this.#stack.length < 2;
    document.title = e.title || document.title;
  }

  #url(e: Entry): string {
    const q = Object.entries(e.page.instance.options)
      .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
      .join('&');
    return `#/${e.page.route}${q ? `?${q}` : ''}`;
  }

  #pop(): void {
    const e = this.#stack.pop();
    if (!e) return;
    e.page.hook('onUnload');
    e.page.root.remove();
  }

  /** `tt.navigateTo`: keeps the current page (onHide) and opens `url` on top. */
  navigateTo(url: unknown): void {
    const { route, query } = this.#resolve(url);
    if (this.#stack.length >= 10) throw new NavError('webview count limit exceed (10 pages)');
    const e = this.#create(route, query);
    this.#top()?.page.hook('onHide');
    this.#stack.push(e);
    history.pushState({ tt: this.#stack.length }, '', this.#url(e));
    this.#show(e, true, query);
  }

  /** `tt.redirectTo`: closes the current page (onUnload) and opens `url` in its place. */
  redirectTo(url: unknown): void {
    const { route, query } = this.#resolve(url);
    const e = this.#create(route, query);
    this.#pop();
    this.#stack.push(e);
    history.replaceState({ tt: this.#stack.length }, '', this.#url(e));
    this.#show(e, true, query);
  }

  /** `tt.reLaunch`: closes every page and opens `url`. */
  reLaunch(url: unknown): void {
    const { route, query } = this.#resolve(url);
    const e = this.#create(route, query);
    while (this.#stack.length) this.#pop();
    this.#stack.push(e);
    history.replaceState({ tt: 1 }, '', this.#url(e));
    this.#show(e, true, query);
  }

  /** `tt.navigateBack`: closes `delta` pages (at least the first page stays). */
  navigateBack(delta: unknown = 1): void {
    const n = delta === undefined ? 1 : Number(delta);
    if (!Number.isInteger(n) || n < 1) throw new NavError(`delta should be a positive integer, got ${String(delta)}`);
    if (this.#stack.length < 2) throw new NavError('cannot navigate back at the first page');
    const steps = Math.min(n, this.#stack.length - 1);
    this.#back_(steps);
    this.#ignorePops++;
    history.go(-steps);
  }

  #back_(steps: number): void {
    for (let i = 0; i < steps; i++) this.#pop();
    const top = this.#top();
    if (top) this.#show(top, false);
  }

  #onPop(ev: PopStateEvent): void {
    if (this.#ignorePops > 0) {
      this.#ignorePops--;
      return;
    }
    const depth = typeof (ev.state as { tt?: unknown } | null)?.tt === 'number' ? ((ev.state as { tt: number }).tt) : 1;
    if (depth < this.#stack.length) this.#back_(this.#stack.length - Math.max(1, depth));
    else if (depth > this.#stack.length) history.go(this.#stack.length - depth); // no forward navigation
  }

  /** The browser tab was hidden or shown: the top page gets `onHide` / `onShow`. */
  visibility(hidden: boolean): void {
    this.#top()?.page.hook(hidden ? 'onHide' : 'onShow');
  }

  /** `tt.setNavigationBarTitle`: the current page's title. */
  setTitle(title: unknown): void {
    if (typeof title !== 'string') throw new NavError(`title should be a string, got ${typeof title}`);
    const top = this.#top();
    if (!top) throw new NavError('no page is open');
    top.title = title;
    this.#drawBar(top);
  }

  /** `tt.setNavigationBarColor`. */
  setColors(front: unknown, back: unknown): void {
    if (typeof back === 'string') this.#bar.style.background = back;
    if (front === '#ffffff' || front === '#000000') this.#bar.style.color = front;
  }

  /** The element holding the bar and the pages. */
  get host(): HTMLElement {
    return this.#host;
  }
}
