/**
 * Renders a compiled template over page data into virtual nodes: bindings evaluated, `tt:if`
 * chains decided, `tt:for` expanded with keys, `<block>` flattened, `<template is>` and
 * `<include>` expanded.
 * @module
 */
import type { Expr } from '../expr/ast.ts';
import { evalInterp, evaluate, toText, type Scope } from '../expr/evaluate.ts';
import type { CompiledTemplate, Node } from '../ir.ts';
import type { VEl, VNode } from './vnode.ts';

/** What rendering needs besides the data. */
export interface RenderEnv {
  /** Every template file of the project, by path. */
  templates: Record<string, CompiledTemplate>;
  /** Reports a template problem once (missing template, duplicate key …). */
  warn(message: string): void;
}

const loopIds = new WeakMap<object, number>();
let nextLoopId = 0;
function loopId(n: object): number {
  let id = loopIds.get(n);
  if (id === undefined) loopIds.set(n, (id = ++nextLoopId));
  return id;
}

/** `data-user-id` → `userId`, as the mini-program builds `dataset`. */
export function datasetKey(attr: string): string {
  return attr
    .slice(5)
    .toLowerCase()
    .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A scope over plain data (own properties only). */
export function dataScope(data: Record<string, unknown>): Scope {
  return (name) => (Object.hasOwn(data, name) ? data[name] : undefined);
}

function child(parent: Scope, vars: Record<string, unknown>): Scope {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : parent(name));
}

function entries(list: unknown): [unknown, unknown][] {
  if (Array.isArray(list)) return list.map((v, i) => [i, v]);
  if (typeof list === 'number' && Number.isFinite(list)) return Array.from({ length: Math.max(0, Math.floor(list)) }, (_, i) => [i, i]);
  if (typeof list === 'string') return [...list].map((c, i) => [i, c]);
  if (list && typeof list === 'object') return Object.entries(list);
  return [];
}

class Renderer {
  readonly #env: RenderEnv;
  #depth = 0;
  constructor(env: RenderEnv) {
    this.#env = env;
  }

  nodes(nodes: Node[], scope: Scope, file: CompiledTemplate, out: VNode[], keyPrefix = ''): void {
    // inside a keyed loop item each child gets its own key (a <block> body holds several)
    nodes.forEach((n, i) => this.node(n, scope, file, out, keyPrefix && `${keyPrefix}${i}.`));
  }

  node(n: Node, scope: Scope, file: CompiledTemplate, out: VNode[], keyPrefix: string): void {
    switch (n.k) {
      case 'text':
        out.push({ kind: 'text', text: toText(evalInterp(n.v, scope)), key: undefined });
        return;
      case 'block':
        return this.nodes(n.kids, scope, file, out, keyPrefix);
      case 'if': {
        const b = n.branches.find((br) => br.cond === null || evaluate(br.cond, scope));
        if (b) this.node(b.node, scope, file, out, keyPrefix);
        return;
      }
      case 'for':
        return this.#loop(n, scope, file, out, keyPrefix);
      case 'tpl':
        return this.#template(n.is, n.data, n.line, scope, file, out, keyPrefix);
      case 'include': {
        const inc = this.#env.templates[n.src];
        if (!inc) return this.#env.warn(`${file.path}: <include src> names ${n.src}, which does not exist`);
        return this.#nested(() => this.nodes(inc.body, scope, inc, out, keyPrefix), `${file.path}: <include> nests too deep (a cycle?)`);
      }
      case 'el':
        out.push(this.#element(n, scope, file, keyPrefix));
    }
  }

  #nested(fn: () => void, tooDeep: string): void {
    if (this.#depth > 32) return this.#env.warn(tooDeep);
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
  }

  #element(n: Extract<Node, { k: 'el' }>, scope: Scope, file: CompiledTemplate, key: string): VEl {
    const attrs: Record<string, unknown> = {};
    const dataset: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(n.attrs)) {
      const value = evalInterp(v, scope);
      if (name.startsWith('data-')) dataset[datasetKey(name)] = value;
      attrs[name] = value;
    }
    const events = n.events.map((e) => ({ name: e.name, stop: e.stop, capture: e.capture, handler: toText(evalInterp(e.handler, scope)) }));
    const kids: VNode[] = [];
    this.nodes(n.kids, scope, file, kids);
    return { kind: 'el', tag: n.tag, key: key || undefined, attrs, dataset, events, kids };
  }

  #loop(n: Extract<Node, { k: 'for' }>, scope: Scope, file: CompiledTemplate, out: VNode[], outerKey: string): void {
    const id = loopId(n);
    const seen = new Set<string>();
    for (const [index, item] of entries(evalInterp(n.list, scope))) {
      const s = child(scope, { [n.item]: item, [n.index]: index });
      let k: string;
      if (n.key === undefined) k = `${outerKey}${id}#${String(index)}`;
      else {
        const kv = n.key === '*this' ? item : item && typeof item === 'object' ? (item as Record<string, unknown>)[n.key] : undefined;
        k = `${outerKey}${id}:${String(kv)}`;
        if (seen.has(k)) {
          this.#env.warn(`${file.path}: tt:key "${n.key}" has the duplicate value ${JSON.stringify(kv)}; those items are matched by position`);
          k = `${outerKey}${id}#${String(index)}`;
        }
      }
      seen.add(k);
      this.node(n.body, s, file, out, `${k}/`);
    }
  }

  #template(is: Extract<Node, { k: 'tpl' }>['is'], data: Expr | undefined, line: number, scope: Scope, file: CompiledTemplate, out: VNode[], key: string): void {
    const name = toText(evalInterp(is, scope));
    let owner: CompiledTemplate | undefined = file.templates[name] ? file : undefined;
    for (const p of file.imports) {
      if (owner) break;
      const f = this.#env.templates[p];
      if (!f) this.#env.warn(`${file.path}: <import src> names ${p}, which does not exist`);
      else if (f.templates[name]) owner = f;
    }
    if (!owner) return this.#env.warn(`${file.path}:${line}: no template named "${name}" here or in its imports`);
    const body = owner.templates[name] as Node[];
    const d = data ? evaluate(data, scope) : {};
    const vars = d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
    const tplFile = owner;
    this.#nested(() => this.nodes(body, dataScope(vars), tplFile, out, key), `${file.path}: template "${name}" nests too deep`);
  }
}

/** Renders the body of `file` over `data`. */
export function render(file: CompiledTemplate, data: Record<string, unknown>, env: RenderEnv): VNode[] {
  const out: VNode[] = [];
  new Renderer(env).nodes(file.body, dataScope(data), file, out);
  return out;
}
