/**
 * The Douyin callback style (success / fail / complete) as a thin adapter over promises.
 * @module
 */
import type { RtcError } from '@rtcroom/protocol/errors';

/** Success result of every async method: `{ errMsg: "<method>:ok" }`. */
export interface OkResult {
  /** `"<method>:ok"` */
  errMsg: string;
}

/** The optional callbacks every async method accepts. */
export interface Callbacks<R = OkResult> {
  /** Called with the result when the call succeeds. */
  success?: (res: R) => void;
  /** Called with the error (`errNo`, `errMsg`, …) when the call fails. */
  fail?: (err: RtcError) => void;
  /** Called after `success` or `fail`. */
  complete?: (res: R | RtcError) => void;
}

/** Options that carry at least one callback: such calls return nothing. */
export type WithCallback<R = OkResult> =
  | (Callbacks<R> & { success: (res: R) => void })
  | (Callbacks<R> & { fail: (err: RtcError) => void })
  | (Callbacks<R> & { complete: (res: R | RtcError) => void });

/** True when `options` has any of the three callbacks. */
export function hasCallbacks(options: unknown): options is Callbacks<never> {
  if (typeof options !== 'object' || options === null) return false;
  const o = options as Record<string, unknown>;
  return typeof o.success === 'function' || typeof o.fail === 'function' || typeof o.complete === 'function';
}

function call<T>(fn: ((v: T) => void) | undefined, v: T): void {
  if (!fn) return;
  try {
    fn(v);
  } catch (e) {
    // a throwing app callback must not break the SDK
    console.error('rtcroom: callback threw', e);
  }
}

/**
 * Runs `work`. With callbacks in `options`, reports through them and returns undefined;
 * without, returns the promise.
 */
export function settle<R>(options: unknown, work: Promise<R>): Promise<R> | undefined {
  if (!hasCallbacks(options)) return work;
  const cb = options as Callbacks<R>;
  work.then(
    (res) => {
      call(cb.success, res);
      call(cb.complete, res);
    },
    (err: RtcError) => {
      call(cb.fail, err);
      call(cb.complete, err);
    },
  );
  return undefined;
}
