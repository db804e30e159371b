/**
 * Whatever fails inside an SDK call reaches the app as a coded error of the one table, named
 * after the app's call: an {@link RtcError} raised for an internal request is re-prefixed
 * (`publisherOffer:fail …` → `joinRtcRoom:fail …`), and a raw exception (a DOMException from
 * WebRTC, a TypeError) becomes the row that fits it, with its text in `errMsg`.
 * @module
 */
import { RtcError, type ErrorName, type RtcErrorPayload } from '@rtcroom/protocol/errors';

/** DOMException names and the rows they map to. */
const BY_NAME: Record<string, ErrorName> = {
  NotAllowedError: 'authDeny',
  SecurityError: 'authDeny',
  PermissionDeniedError: 'authDeny',
  NotFoundError: 'captureFailed',
  NotReadableError: 'captureFailed',
  OverconstrainedError: 'captureFailed',
  AbortError: 'captureFailed',
  InvalidStateError: 'mediaFailed',
  InvalidAccessError: 'mediaFailed',
  OperationError: 'mediaFailed',
  InvalidModificationError: 'mediaFailed',
};

/** `e` as a coded error of `method`. */
export function toRtcError(e: unknown, method: string): RtcError {
  if (e instanceof RtcError) return e.withMethod(method);
  const name = (e as { name?: unknown })?.name;
  const message = (e as { message?: unknown })?.message;
  const text = `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : String(e)}`;
  const row = typeof name === 'string' ? BY_NAME[name] : undefined;
  if (row === 'authDeny') return new RtcError('authDeny', method);
  return new RtcError(row ?? 'internal', method, text);
}

/** The plain object `fail` callbacks receive: survives `JSON.stringify`, `structuredClone` and `postMessage`. */
export function failPayload(e: unknown, method: string): RtcErrorPayload {
  return toRtcError(e, method).toPayload();
}
