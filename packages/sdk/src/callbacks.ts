/**
 * The Douyin callback style (success / fail / complete) as a thin adapter over promises.
 * `fail` and `complete` receive plain objects (`{errMsg, errNo, errorCode?, errorType?}`), as on
 * the mini-program; the promise form rejects with the coded {@link RtcError}.
 * @module
 */
import { RtcError, type RtcErrorPayload } from '@rtcroom/protocol/errors';

/** Success result of every async method: `{ errMsg: "<method>:ok" }`. */
export interface OkResult {
  /** `"<method>:ok"` */
  errMsg: string;
}

/** The optional callbacks every async method accepts. */
export interface Callbacks<R = OkResult> {
  /** Called with the result when the call succeeds. */
  success?: (res: R) => void;
  /** Called with a plain error object (`errNo`, `errMsg`, …) when the call fails. */
  fail?: (err: RtcErrorPayload) => void;
  /** Called after `success` or `fail`, with the same argument. */
  complete?: (res: R | RtcErrorPayload) => void;
}

/** Options that carry at least one callback: such calls return nothing. */
export type WithCallback<R = OkResult> =
  | (Callbacks<R> & { success: (res: R) => void })
  | (Callbacks<R> & { fail: (err: RtcErrorPayload) => void })
  | (Callbacks<R> & { complete: (res: R | RtcErrorPayload) => void });

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
 * Runs `work`. With callbacks in `options`, reports through them (failures as plain objects) and
 * returns undefined; without, returns the promise.
 */
export function settle<R>(options: unknown, work: Promise<R>): Promise<R> | undefined {
  if (!hasCallbacks(options)) return work;
  const cb = options as Callbacks<R>;
  work.then(
    (res) => {
      call(cb.success, res);
      call(cb.complete, res);
    },
    (err: unknown) => {
      const p = err instanceof RtcError ? err.toPayload() : { errMsg: String((err as Error)?.message ?? err) };
      call(cb.fail, p);
      call(cb.complete, { ...p });
    },
  );
  return undefined;
}
