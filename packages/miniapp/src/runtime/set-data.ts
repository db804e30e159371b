/**
 * `setData` path keys: `'a.b[0].c'` sets one nested field, creating the objects and arrays on the
 * way, as the mini-program does.
 * @module
 */

/** A path key that does not parse (e.g. `'a[x]'`, `'a..b'`). */
export class PathError extends Error {
  constructor(key: string, why: string) {
    super(`setData: bad key ${JSON.stringify(key)}: ${why}`);
    this.name = 'PathError';
  }
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits `'a.b[0].c'` into `['a', 'b', 0, 'c']`. */
export function parsePath(key: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  let name = '';
  const flush = (): void => {
    if (name === '') throw new PathError(key, 'empty name');
    out.push(name);
    name = '';
  };
  while (i < key.length) {
    const c = key[i] as string;
    if (c === '.') {
      if (out.length === 0 || name !== '') flush();
      else if (key[i - 1] !== ']') throw new PathError(key, 'empty name');
      if (i === key.length - 1) throw new PathError(key, 'ends with "."');
      i++;
    } else if (c === '[') {
      if (name !== '') flush();
      else if (out.length === 0) throw new PathError(key, 'starts with "["');
      const end = key.indexOf(']', i);
      const idx = key.slice(i + 1, end);
      if (end < 0 || !/^\d+$/.test(idx)) throw new PathError(key, 'brackets must hold an index such as [0]');
      out.push(Number(idx));
      i = end + 1;
      if (i < key.length && key[i] !== '.' && key[i] !== '[') throw new PathError(key, `unexpected "${key[i]}" after "]"`);
    } else if (c === '\\' && i + 1 < key.length) {
      name += key[i + 1];
      i += 2;
    } else {
      name += c;
      i++;
    }
  }
  if (name !== '') out.push(name);
  if (out.length === 0) throw new PathError(key, 'empty key');
  for (const p of out) if (typeof p === 'string' && UNSAFE.has(p)) throw new PathError(key, `"${p}" cannot be set`);
  return out;
}

/**
 * Applies a `setData` patch to `data` in place. Each key may be a path. Values are stored as
 * given (the mini-program copies them across its thread boundary; here the page owns them).
 * @throws PathError on a bad key (nothing is changed then)
 */
export function applyPatch(data: Record<string, unknown>, patch: Record<string, unknown>): void {
  const entries = Object.entries(patch).map(([k, v]) => [parsePath(k), v] as const);
  for (const [path, value] of entries) {
    let o: Record<string | number, unknown> = data;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i] as string | number;
      const nextIsIndex = typeof path[i + 1] === 'number';
      let child = o[k];
      if (child === null || typeof child !== 'object') {
        child = nextIsIndex ? [] : {};
        o[k] = child;
      }
      o = child as Record<string | number, unknown>;
    }
    o[path[path.length - 1] as string | number] = value;
  }
}
