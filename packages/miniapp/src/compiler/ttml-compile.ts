/**
 * Compiles TTML (Douyin's template language; WeChat's WXML is accepted too: `wx:` works as `tt:`)
 * into the JSON {@link CompiledTemplate} the runtime renders: directives (`tt:if`/`elif`/`else`,
 * `tt:for` with item/index/key), `<block>`, events (`bind*`, `catch*`, `capture-bind:*`),
 * `<template name|is data>`, `<import>` and `<include>`. Bindings are parsed here, so a bad
 * binding is reported with its file and line at compile time.
 * @module
 */
import { posix } from 'node:path';
import type { Expr, Interp } from '../expr/ast.ts';
import { ExprError, parseInterp, parseTemplateData } from '../expr/parse.ts';
import type { CompiledTemplate, EventBinding, Node } from '../ir.ts';
import { parseTtml, TtmlSyntaxError, type RawElement, type RawNode } from './ttml-parse.ts';

/** A TTML file that does not compile: names the file and line. */
export class TtmlCompileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'TtmlCompileError';
  }
}

const DIRECTIVE = /^(?:tt|wx):(.+)$/;
const EVENT = /^(capture-bind:|capture-catch:|bind:?|catch:?|mut-bind:?)([A-Za-z][\w-]*)$/;

/** Resolves `src` of `<import>`/`<include>` against the file, as a project-relative path. */
export function resolveTemplatePath(from: string, src: string, ext = '.ttml'): string {
  const base = src.startsWith('/') ? src.slice(1) : posix.join(posix.dirname(from), src);
  const norm = posix.normalize(base);
  return /\.(ttml|wxml)$/.test(norm) ? norm : norm + ext;
}

class Compiler {
  readonly #file: string;
  readonly templates: Record<string, Node[]> = {};
  readonly imports: string[] = [];
  constructor(file: string) {
    this.#file = file;
  }

  fail(line: number, message: string): never {
    throw new TtmlCompileError(this.#file, line, message);
  }

  interp(v: string | true, line: number, name: string, parse?: (s: string) => Expr): Interp {
    if (v === true) return { parts: [''] };
    try {
      return parseInterp(v, parse);
    } catch (e) {
      if (e instanceof ExprError) this.fail(line, `${name}="${v}": ${e.message} (at character ${e.offset + 1})`);
      throw e;
    }
  }

  /** A directive value: `{{expr}}`, or plain text as a string literal (`tt:for-item="user"`). */
  expr(v: string | true, line: number, name: string): Expr {
    const i = this.interp(v, line, name);
    if (i.single) return i.parts[0] as Expr;
    if (i.parts.every((p) => typeof p === 'string')) return { t: 'lit', v: i.parts.join('') };
    this.fail(line, `${name} must be one {{ }} binding, got "${String(v)}"`);
  }

  nodes(raw: RawNode[]): Node[] {
    const out: Node[] = [];
    let chain: Extract<Node, { k: 'if' }> | undefined;
    for (const r of raw) {
      if (r.type === 'text') {
        if (r.text.trim() === '') continue;
        out.push({ k: 'text', v: this.interp(r.text, r.line, 'text') });
        chain = undefined;
        continue;
      }
      const cond = this.#conditional(r);
      const node = this.element(r);
      if (!node) continue;
      if (!cond) {
        out.push(node);
        chain = undefined;
      } else if (cond.kind === 'if') {
        chain = { k: 'if', branches: [{ cond: cond.expr, node }] };
        out.push(chain);
      } else {
        if (!chain) this.fail(r.line, `tt:${cond.kind} without a tt:if before it`);
        const last = chain.branches[chain.branches.length - 1];
        if (last && last.cond === null) this.fail(r.line, `tt:${cond.kind} after tt:else`);
        chain.branches.push({ cond: cond.kind === 'else' ? null : cond.expr, node });
        if (cond.kind === 'else') chain = undefined;
      }
    }
    return out;
  }

  #conditional(r: RawElement): { kind: 'if' | 'elif' | 'else'; expr: Expr | null } | undefined {
    for (const [name, value] of r.attrs) {
      const d = DIRECTIVE.exec(name)?.[1];
      if (d === 'if' || d === 'elif') return { kind: d, expr: this.expr(value, r.line, name) };
      if (d === 'else') return { kind: 'else', expr: null };
    }
    return undefined;
  }

  /** An element with its `tt:for`; undefined for definitions (`<template name>`, `<import>`). */
  element(r: RawElement): Node | undefined {
    const attr = (n: string): string | true | undefined => r.attrs.find(([k]) => k === n || k === `tt:${n}` || k === `wx:${n}`)?.[1];
    if (r.tag === 'import' || r.tag === 'include') {
      const src = attr('src');
      if (typeof src !== 'string' || !src) this.fail(r.line, `<${r.tag}> needs a src`);
      const path = resolveTemplatePath(this.#file, src);
      if (r.tag === 'import') {
        this.imports.push(path);
        return undefined;
      }
      return { k: 'include', src: path };
    }
    if (r.tag === 'sjs' || r.tag === 'wxs') this.fail(r.line, `<${r.tag}> script modules are not supported by the web runtime: compute values in the page and setData them`);
    if (r.tag === 'template') {
      const name = attr('name');
      if (typeof name === 'string') {
        if (this.templates[name]) this.fail(r.line, `template "${name}" is defined twice`);
        this.templates[name] = this.nodes(r.kids);
        return undefined;
      }
      const is = attr('is');
      if (is === undefined || is === true) this.fail(r.line, '<template> needs name="…" (a definition) or is="…" (a use)');
      const data = attr('data');
      let dataExpr: Expr | undefined;
      if (typeof data === 'string') {
        const i = this.interp(data, r.line, 'data', parseTemplateData);
        if (!i.single) this.fail(r.line, `data must be one {{ }} binding, got "${data}"`);
        dataExpr = i.parts[0] as Expr;
      }
      return this.#loop(r, { k: 'tpl', is: this.interp(is, r.line, 'is'), data: dataExpr, line: r.line });
    }
    const attrs: Record<string, Interp> = {};
    const events: EventBinding[] = [];
    for (const [name, value] of r.attrs) {
      if (DIRECTIVE.test(name)) continue;
      const ev = EVENT.exec(name);
      if (ev) {
        const kind = ev[1] as string;
        events.push({
          name: (ev[2] as string).toLowerCase(),
          stop: kind.includes('catch'),
          capture: kind.startsWith('capture'),
          handler: this.interp(value, r.line, name),
        });
        continue;
      }
      attrs[name] = this.interp(value, r.line, name);
    }
    const kids = this.nodes(r.kids);
    const node: Node = r.tag === 'block' ? { k: 'block', kids } : { k: 'el', tag: r.tag, attrs, events, kids, line: r.line };
    return this.#loop(r, node);
  }

  #loop(r: RawElement, body: Node): Node {
    const get = (n: string): string | true | undefined => r.attrs.find(([k]) => k === `tt:${n}` || k === `wx:${n}`)?.[1];
    const list = get('for') ?? get('for-items');
    if (list === undefined) return body;
    const str = (n: string, dflt: string): string => {
      const v = get(n);
      if (v === undefined || v === true) return dflt;
      if (!/^[A-Za-z_$][\w$]*$/.test(v.trim())) this.fail(r.line, `tt:${n} must be a plain name, got "${v}"`);
      return v.trim();
    };
    const key = get('key');
    const keyName = typeof key === 'string' ? key.replace(/^\{\{\s*|\s*\}\}$/g, '').trim() : undefined;
    return { k: 'for', list: this.interp(list, r.line, 'tt:for'), item: str('for-item', 'item'), index: str('for-index', 'index'), key: keyName || undefined, body };
  }
}

/**
 * Compiles one TTML file. `path` is its project-relative path (used to resolve `<import>` and
 * `<include>` and in error messages).
 * @throws TtmlCompileError on a syntax error or a bad binding
 */
export function compileTtml(source: string, path: string): CompiledTemplate {
  let raw: RawNode[];
  try {
    raw = parseTtml(source);
  } catch (e) {
    if (e instanceof TtmlSyntaxError) throw new TtmlCompileError(path, e.line, e.message);
    throw e;
  }
  const c = new Compiler(path);
  const body = c.nodes(raw);
  return { path, body, templates: c.templates, imports: c.imports };
}

