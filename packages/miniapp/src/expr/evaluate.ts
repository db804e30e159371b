/**
 * Evaluates {@link Expr} trees against a scope, safely: no code runs, member access never reaches
 * `__proto__`/`constructor`/`prototype`, and a missing object yields `undefined` instead of a
 * `TypeError` (as the mini-program runtime renders a missing field as empty).
 * @module
 */
import type { Expr, Interp } from './ast.ts';

/** Name lookup for bindings: `tt:for` items first, then the page data. */
export type Scope = (name: string) => unknown;

const BLOCKED = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

function member(o: unknown, key: unknown): unknown {
  if (o === null || o === undefined) return undefined;
  const k = typeof key === 'number' ? key : String(key);
  if (typeof k === 'string' && BLOCKED.has(k)) return undefined;
  if (typeof o === 'string') return k === 'length' ? o.length : typeof k === 'number' ? o[k] : undefined;
  if (typeof o !== 'object') return undefined;
  const v = (o as Record<string | number, unknown>)[k];
  return typeof v === 'function' ? undefined : v;
}

function binary(op: string, a: unknown, b: unknown): unknown {
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '+':
      return (x as unknown as string) + (y as unknown as string);
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
    case '==':
      return a == b;
    case '!=':
      return a != b;
    case '===':
      return a === b;
    default:
      return a !== b;
  }
}

/** Evaluates one expression. */
export function evaluate(e: Expr, scope: Scope): unknown {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'id':
      return scope(e.n);
    case 'mem':
      return member(evaluate(e.o, scope), evaluate(e.p, scope));
    case 'un': {
      const v = evaluate(e.a, scope);
      if (e.op === '!') return !v;
      if (e.op === '-') return -(v as number);
      if (e.op === '+') return +(v as number);
      return typeof v;
    }
    case 'bin': {
      if (e.op === '&&') return evaluate(e.a, scope) && evaluate(e.b, scope);
      if (e.op === '||') return evaluate(e.a, scope) || evaluate(e.b, scope);
      if (e.op === '??') return evaluate(e.a, scope) ?? evaluate(e.b, scope);
      return binary(e.op, evaluate(e.a, scope), evaluate(e.b, scope));
    }
    case 'cond':
      return evaluate(e.c, scope) ? evaluate(e.a, scope) : evaluate(e.b, scope);
    case 'arr':
      return e.items.map((i) => evaluate(i, scope));
    case 'obj': {
      const o: Record<string, unknown> = {};
      for (const p of e.props) {
        if ('spread' in p) {
          const s = evaluate(p.spread, scope);
          if (s && typeof s === 'object') Object.assign(o, s);
        } else if (!BLOCKED.has(p.k)) o[p.k] = evaluate(p.v, scope);
      }
      return o;
    }
  }
}

/** How a bound value shows as text: `undefined`/`null` as empty, objects as JSON-ish text. */
export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/** Evaluates an interpolated value: a single binding keeps its type, otherwise a string. */
export function evalInterp(i: Interp, scope: Scope): unknown {
  if (i.single) return evaluate(i.parts[0] as Expr, scope);
  let s = '';
  for (const p of i.parts) s += typeof p === 'string' ? p : toText(evaluate(p, scope));
  return s;
}
