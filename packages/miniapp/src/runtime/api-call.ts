/**
 * The shape of every async `tt.*` API: `success` / `fail` / `complete` callbacks with
 * `{errMsg: "name:ok" | "name:fail reason"}`, or a promise when no callback is given.
 * @module
 */

/** What `fail` and `complete` receive on failure. */
export interface FailResult {
  errMsg: string;
  errNo?: number;
}

type Cbs = { success?: (r: unknown) => void; fail?: (r: unknown) => void; complete?: (r: unknown) => void };

function cbs(options: unknown): Cbs | undefined {
  if (!options || typeof options !== 'object') return undefined;
  const o = options as Record<string, unknown>;
  const pick = (k: string) => (typeof o[k] === 'function' ? (o[k] as (r: unknown) => void) : undefined);
  const c: Cbs = { success: pick('success'), fail: pick('fail'), complete: pick('complete') };
  return c.success || c.fail || c.complete ? c : undefined;
}

function safely(fn: ((r: unknown) => void) | undefined, r: unknown): void {
  if (!fn) return;
  try {
    fn(r);
  } catch (e) {
    console.error('[miniapp] callback threw:', e);
  }
}

/** A failure payload for `name` with `reason`. */
export function failOf(name: string, reason: string, errNo?: number): FailResult {
  return errNo === undefined ? { errMsg: `${name}:fail ${reason}` } : { errMsg: `${name}:fail ${reason}`, errNo };
}

/**
 * Runs an API body. Thrown errors become `fail` (objects with `errMsg` pass through, anything
 * else becomes `name:fail message`). Returns the promise when `options` has no callbacks.
 */
export function asyncApi<R extends object>(name: string, options: unknown, body: () => R | Promise<R>): Promise<R & { errMsg: string }> | undefined {
  const work = (async () => ({ errMsg: `${name}:ok`, ...(await body()) }))().catch((e: unknown) => {
    const p = e && typeof e === 'object' && typeof (e as FailResult).errMsg === 'string' ? (e as FailResult) : failOf(name, String((e as Error)?.message ?? e));
    throw p;
  });
  const c = cbs(options);
  if (!c) return work;
  work.then(
    (r) => {
      safely(c.success, r);
      safely(c.complete, r);
    },
    (f: unknown) => {
      safely(c.fail, f);
      safely(c.complete, f);
    },
  );
  return undefined;
}

/** Runs a sync API body; a failure throws an Error whose message is the errMsg. */
export function syncApi<R>(name: string, body: () => R): R {
  try {
    return body();
  } catch (e) {
    throw new Error(`${name}:fail ${String((e as Error)?.message ?? e)}`);
  }
}
