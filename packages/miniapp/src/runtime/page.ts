/**
 * Page instances: `data`, `setData(patch, callback)` (path keys; one render per tick, the
 * callback after it), methods bound to the page, lifecycle hooks, and event handlers called by
 * name from the template.
 * @module
 */
import type { CompiledTemplate } from '../ir.ts';
import type { TtEvent } from './events.ts';
import { patchChildren } from './patch.ts';
import { render, type RenderEnv } from './render.ts';
import { applyPatch } from './set-data.ts';
import type { VNode } from './vnode.ts';

/** What `Page({...})` receives. */
export type PageOptions = Record<string, unknown> & { data?: Record<string, unknown> };

/** A page instance as page code sees it (`this` in its methods). */
export type PageInstance = Record<string, unknown> & {
  data: Record<string, unknown>;
  route: string;
  options: Record<string, string>;
  setData(patch: Record<string, unknown>, callback?: () => void): void;
};

/** Lifecycle hooks the runtime calls. */
export type Hook = 'onLoad' | 'onShow' | 'onReady' | 'onHide' | 'onUnload';

function cloneData(d: unknown): Record<string, unknown> {
  if (!d || typeof d !== 'object') return {};
  try {
    return structuredClone(d) as Record<string, unknown>;
  } catch {
    return { ...(d as Record<string, unknown>) };
  }
}

/** Runs `fn`, reporting (not throwing) what page code throws, as the mini-program does. */
export function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    console.error(`[miniapp] ${what} threw:`, e);
  }
}

/** One live page: its instance, its DOM root and its last render. */
export class LivePage {
  readonly instance: PageInstance;
  readonly root: HTMLElement;
  readonly route: string;
  readonly #template: CompiledTemplate;
  readonly #env: RenderEnv;
  #vnodes: VNode[] = [];
  #pending: (() => void)[] | undefined;
  #unloaded = false;
  #scheduled = false;

  constructor(options: PageOptions, route: string, query: Record<string, string>, template: CompiledTemplate, env: RenderEnv) {
    this.route = route;
    this.#template = template;
    this.#env = env;
    this.root = document.createElement('page');
    this.root.dataset.route = route;
    const inst = Object.create(null) as PageInstance;
    for (const [k, v] of Object.entries(options)) {
      if (k === 'data') continue;
      inst[k] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(inst) : v;
    }
    inst.data = cloneData(options.data);
    inst.route = route;
    (inst as Record<string, unknown>).__route__ = route;
    inst.options = query;
    inst.setData = (patch, callback) => this.setData(patch, callback);
    this.instance = inst;
  }

  /** Applies `patch` to the data now and renders once at the end of the tick; `callback` after the render. */
  setData(patch: Record<string, unknown>, callback?: () => void): void {
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
      console.error(`[miniapp] ${this.route}: setData needs an object, got ${Array.isArray(patch) ? 'an array' : typeof patch}`);
      return;
    }
    applyPatch(this.instance.data, patch);
    const queue = (this.#pending ??= []);
    if (typeof callback === 'function') queue.push(callback.bind(this.instance));
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Renders pending changes now and runs the setData callbacks. */
  flush(): void {
    this.#scheduled = false;
    const callbacks = this.#pending ?? [];
    this.#pending = undefined;
    if (!this.#unloaded) this.render();
    for (const cb of callbacks) guard(`${this.route} setData callback`, cb);
  }

  /** Renders the template over the current data and patches the DOM. */
  render(): void {
    const next = render(this.#template, this.instance.data, this.#env);
    patchChildren(this.root, this.#vnodes, next, (handler, event) => this.dispatch(handler, event));
    this.#vnodes = next;
  }

  /** Calls the page method `handler` with a template event. */
  dispatch(handler: string, event: TtEvent): void {
    const fn = this.instance[handler];
    if (typeof fn !== 'function') {
      console.warn(`[miniapp] ${this.route}: no method "${handler}" to handle the "${event.type}" event`);
      return;
    }
    guard(`${this.route}.${handler}`, () => (fn as (e: TtEvent) => void)(event));
  }

  /** Calls a lifecycle hook if the page has it. */
  hook(name: Hook, arg?: unknown): void {
    if (name === 'onUnload') this.#unloaded = true;
    const fn = this.instance[name];
    if (typeof fn === 'function') guard(`${this.route}.${name}`, () => (fn as (a?: unknown) => void)(arg));
  }
}
