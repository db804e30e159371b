/**
 * CommonJS between the project's files: `require('./util')`, `module.exports`, `exports.x`.
 * Paths resolve relative to the requiring file (or the project root for `/x`), trying `.js`,
 * `.ts`, `.json` and `/index.js`, as the mini-program does.
 * @module
 */
import { posix } from './posix-path.ts';

/** A compiled module: its code wrapped in a function taking the mini-program globals. */
export type ModuleFactory = (
  module: { exports: unknown },
  exports: unknown,
  require: (path: string) => unknown,
  ...globals: unknown[]
) => void;

/** The module table and the globals each module sees (`App`, `Page`, `tt` …). */
export class Modules {
  readonly #factories: Record<string, ModuleFactory>;
  readonly #globals: () => unknown[];
  readonly #cache = new Map<string, { exports: unknown }>();

  constructor(factories: Record<string, ModuleFactory>, globals: () => unknown[]) {
    this.#factories = factories;
    this.#globals = globals;
  }

  /** The project path `spec` names from `from`, or undefined. */
  resolve(spec: string, from: string): string | undefined {
    // relative, then (for a bare name) from the project root and miniprogram_npm/
    const bases = spec.startsWith('/')
      ? [spec.slice(1)]
      : spec.startsWith('.')
        ? [posix.join(posix.dirname(from), spec)]
        : [posix.join(posix.dirname(from), spec), spec, `miniprogram_npm/${spec}`];
    for (const base of bases) {
      const p = posix.normalize(base);
      for (const c of [p, `${p}.js`, `${p}.ts`, `${p}.json`, `${p}/index.js`, `${p}/index.ts`]) if (this.#factories[c]) return c;
    }
    return undefined;
  }

  /** Runs (once) and returns the exports of the module `spec`, required from `from`. */
  require(spec: string, from = ''): unknown {
    if (typeof spec !== 'string') throw new TypeError(`require() needs a path string, got ${typeof spec}`);
    const path = this.resolve(spec, from);
    if (!path) throw new Error(`module "${spec}" is not defined${from ? ` (required from ${from})` : ''}`);
    const hit = this.#cache.get(path);
    if (hit) return hit.exports;
    const module = { exports: {} as unknown };
    this.#cache.set(path, module);
    const factory = this.#factories[path] as ModuleFactory;
    try {
      factory(module, module.exports, (s: string) => this.require(s, path), ...this.#globals());
    } catch (e) {
      this.#cache.delete(path);
      throw e;
    }
    return module.exports;
  }
}
