/**
 * Parses the expression language of TTML `{{ }}` bindings (a safe subset of JavaScript: literals,
 * names, member access, unary/binary/ternary operators, array and object literals; no calls, no
 * assignment) into an {@link Expr} tree.
 * @module
 */
import type { BinaryOp, Expr, Interp, ObjProp } from './ast.ts';

/** A binding that does not parse; `offset` is where in the expression text. */
export class ExprError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExprError';
    this.offset = offset;
  }
}

type Tok = { k: 'num' | 'str' | 'id' | 'op' | 'end'; v: string; at: number; num?: number };

const OPS = ['===', '!==', '...', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ k: 'num', v: text, at, num: Number(text) });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ k: 'id', v: text, at });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          const e = src[i + 1] ?? '';
          s += ESCAPES[e] ?? e;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new ExprError('unterminated string', at);
      i++;
      out.push({ k: 'str', v: s, at });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character "${c}"`, at);
    out.push({ k: 'op', v: op, at });
    i += op.length;
  }
  out.push({ k: 'end', v: '', at: src.length });
  return out;
}

const PRECEDENCE: [BinaryOp[], number][] = [
  [['??'], 1],
  [['||'], 2],
  [['&&'], 3],
  [['==', '!=', '===', '!=='], 4],
  [['<', '>', '<=', '>='], 5],
  [['+', '-'], 6],
  [['*', '/', '%'], 7],
];
const PREC = new Map<string, number>(PRECEDENCE.flatMap(([ops, p]) => ops.map((o) => [o, p] as const)));
const LITERALS: Record<string, Expr> = {
  true: { t: 'lit', v: true },
  false: { t: 'lit', v: false },
  null: { t: 'lit', v: null },
  undefined: { t: 'lit', v: undefined },
};

class Parser {
  readonly #toks: Tok[];
  #i = 0;
  constructor(src: string) {
    this.#toks = tokenize(src);
  }

  get #tok(): Tok {
    return this.#toks[this.#i] as Tok;
  }

  #isOp(v: string): boolean {
    return this.#tok.k === 'op' && this.#tok.v === v;
  }

  #expect(v: string): void {
    if (!this.#isOp(v)) throw new ExprError(`expected "${v}" but found ${this.#describe()}`, this.#tok.at);
    this.#i++;
  }

  #describe(): string {
    return this.#tok.k === 'end' ? 'end of the expression' : `"${this.#tok.v}"`;
  }

  end(): void {
    if (this.#tok.k !== 'end') throw new ExprError(`unexpected ${this.#describe()}`, this.#tok.at);
  }

  atEnd(): boolean {
    return this.#tok.k === 'end';
  }

  expr(): Expr {
    const c = this.#binary(0);
    if (!this.#isOp('?')) return c;
    this.#i++;
    const a = this.expr();
    this.#expect(':');
    const b = this.expr();
    return { t: 'cond', c, a, b };
  }

  #binary(min: number): Expr {
    let left = this.#unary();
    for (;;) {
      const p = this.#tok.k === 'op' ? PREC.get(this.#tok.v) : undefined;
      if (p === undefined || p <= min) return left;
      const op = this.#tok.v as BinaryOp;
      this.#i++;
      left = { t: 'bin', op, a: left, b: this.#binary(p) };
    }
  }

  #unary(): Expr {
    const t = this.#tok;
    if (t.k === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) {
      this.#i++;
      return { t: 'un', op: t.v, a: this.#unary() };
    }
    if (t.k === 'id' && t.v === 'typeof') {
      this.#i++;
      return { t: 'un', op: 'typeof', a: this.#unary() };
    }
    return this.#postfix(this.#primary());
  }

  #postfix(e: Expr): Expr {
    for (;;) {
      if (this.#isOp('.') || this.#isOp('?.')) {
        this.#i++;
        const name = this.#tok;
        if (name.k !== 'id') throw new ExprError(`expected a property name after "." but found ${this.#describe()}`, name.at);
        this.#i++;
        e = { t: 'mem', o: e, p: { t: 'lit', v: name.v } };
      } else if (this.#isOp('[')) {
        this.#i++;
        const p = this.expr();
        this.#expect(']');
        e = { t: 'mem', o: e, p };
      } else if (this.#isOp('(')) {
        throw new ExprError('function calls are not allowed in TTML bindings (compute the value in the page and setData it)', this.#tok.at);
      } else return e;
    }
  }

  #primary(): Expr {
    const t = this.#tok;
    this.#i++;
    if (t.k === 'num') return { t: 'lit', v: t.num as number };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') return LITERALS[t.v] ?? { t: 'id', n: t.v };
    if (t.k === 'op' && t.v === '(') {
      const e = this.expr();
      this.#expect(')');
      return e;
    }
    if (t.k === 'op' && t.v === '[') {
      const items: Expr[] = [];
      while (!this.#isOp(']')) {
        items.push(this.expr());
        if (!this.#isOp(']')) this.#expect(',');
      }
      this.#i++;
      return { t: 'arr', items };
    }
    if (t.k === 'op' && t.v === '{') {
      const e = this.objectBody('}');
      this.#expect('}');
      return e;
    }
    this.#i--;
    throw new ExprError(`unexpected ${this.#describe()}`, t.at);
  }

  /** `a: 1, b, ...c` up to `close` (or the end of input when close is ''). */
  objectBody(close: string): Expr {
    const props: ObjProp[] = [];
    while (!(close ? this.#isOp(close) : this.atEnd())) {
      if (this.#isOp('...')) {
        this.#i++;
        props.push({ spread: this.expr() });
      } else {
        const key = this.#tok;
        if (key.k !== 'id' && key.k !== 'str' && key.k !== 'num') throw new ExprError(`expected a property name but found ${this.#describe()}`, key.at);
        this.#i++;
        if (this.#isOp(':')) {
          this.#i++;
          props.push({ k: key.v, v: this.expr() });
        } else if (key.k === 'id') props.push({ k: key.v, v: { t: 'id', n: key.v } });
        else throw new ExprError(`expected ":" after ${JSON.stringify(key.v)}`, this.#tok.at);
      }
      if (!(close ? this.#isOp(close) : this.atEnd())) this.#expect(',');
    }
    return { t: 'obj', props };
  }
}

/** Parses one expression (the text between `{{` and `}}`). */
export function parseExpr(src: string): Expr {
  const p = new Parser(src);
  const e = p.expr();
  p.end();
  return e;
}

/**
 * Parses the `data` of `<template is data="{{a, b: 1, ...c}}">`: an object literal without braces
 * (also accepts a plain expression such as `{{item}}` or `{{ {a: 1} }}`).
 */
export function parseTemplateData(src: string): Expr {
  try {
    return parseExpr(src);
  } catch {
    const p = new Parser(src);
    const e = p.objectBody('');
    p.end();
    return e;
  }
}

/**
 * Splits `"a {{x}} b"` into literal text and parsed expressions. Text without `{{` is returned as
 * one literal part. Throws {@link ExprError} with the offset into `src`.
 */
export function parseInterp(src: string, parse: (s: string) => Expr = parseExpr): Interp {
  const parts: (string | Expr)[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      parts.push(src.slice(i));
      break;
    }
    if (open > i) parts.push(src.slice(i, open));
    const close = findClose(src, open + 2);
    if (close < 0) throw new ExprError('"{{" without a closing "}}"', open);
    try {
      parts.push(parse(src.slice(open + 2, close)));
    } catch (e) {
      if (e instanceof ExprError) throw new ExprError(e.message, open + 2 + e.offset);
      throw e;
    }
    i = close + 2;
  }
  const single = parts.length === 1 && typeof parts[0] !== 'string';
  return single ? { parts, single: true } : { parts };
}

/** The `}}` closing a binding, skipping strings and object-literal braces (`{{ {a: {b: 1}} }}`). */
function findClose(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && src[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}
