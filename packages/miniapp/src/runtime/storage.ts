/**
 * `tt.setStorageSync` and friends over `localStorage` (values kept as JSON, so objects and
 * numbers come back as they went in; keys namespaced so other pages' keys do not mix in).
 * @module
 */

const PREFIX = 'tt-storage:';

function store(): Storage {
  return globalThis.localStorage;
}

/** Stores `data` under `key`. */
export function setItem(key: unknown, data: unknown): void {
  if (typeof key !== 'string' || !key) throw new Error('key should be a non-empty string');
  const text = JSON.stringify({ v: data });
  if (text === undefined) throw new Error('data cannot be stored');
  store().setItem(PREFIX + key, text);
}

/** The value under `key`; `found` false when there is none. */
export function getItem(key: unknown): { found: boolean; data: unknown } {
  if (typeof key !== 'string' || !key) throw new Error('key should be a non-empty string');
  const text = store().getItem(PREFIX + key);
  if (text === null) return { found: false, data: '' };
  try {
    return { found: true, data: (JSON.parse(text) as { v: unknown }).v };
  } catch {
    return { found: true, data: text };
  }
}

/** Removes `key`. */
export function removeItem(key: unknown): void {
  if (typeof key !== 'string') throw new Error('key should be a string');
  store().removeItem(PREFIX + key);
}

/** Every stored key. */
export function keys(): string[] {
  const out: string[] = [];
  for (let i = 0; i < store().length; i++) {
    const k = store().key(i);
    if (k?.startsWith(PREFIX)) out.push(k.slice(PREFIX.length));
  }
  return out;
}

/** Removes every key. */
export function clear(): void {
  for (const k of keys()) store().removeItem(PREFIX + k);
}

/** `tt.getStorageInfoSync()`. */
export function info(): { keys: string[]; currentSize: number; limitSize: number } {
  let bytes = 0;
  for (const k of keys()) bytes += (store().getItem(PREFIX + k)?.length ?? 0) * 2;
  return { keys: keys(), currentSize: Math.ceil(bytes / 1024), limitSize: 10240 };
}
