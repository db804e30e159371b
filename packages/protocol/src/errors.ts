/**
 * The one error table of rtcroom. Every failure that reaches a user — a server reply, an SDK
 * `fail` callback, a rejected promise — is built from a row of this table, so the Douyin
 * `errNo` / `errorCode` / `errMsg` triple is defined in exactly one place.
 *
 * `errMsg` is always `"<method>:fail <detail>"`, where `<method>` is the Douyin API name
 * (`joinRtcRoom`, `exitRtcRoom`, …) and `<detail>` is the row's template with `%s` filled in.
 *
 * Rows marked "rtcroom" are ours (no Douyin equivalent was documented); they use the 219xx
 * range so they never collide with the platform's 211xx codes.
 *
 * This module has no dependencies so the browser SDK can import it cheaply.
 * @module
 */

/** Douyin `errorType`: D developer, U user, F framework, I informational. */
export type ErrorType = 'D' | 'U' | 'F' | 'I';

/** One row of the error table. */
export interface ErrorSpec {
  /** Legacy Douyin error number (10200, 20000, 211xx …). */
  readonly errNo?: number;
  /** New-style 6-digit Douyin error code, where the platform defines one. */
  readonly errorCode?: number;
  /** Douyin error type, where the platform defines one. */
  readonly errorType?: ErrorType;
  /** Detail template placed after `"<method>:fail "`; `%s` placeholders are filled in order. */
  readonly detail: string;
  /** What the error means, for docs and logs. */
  readonly description: string;
}

/** The error table. Keys are stable names used in code; values are the Douyin-facing codes. */
export const ERRORS = {
  /** errNo 20000: a parameter is missing, of the wrong type or out of range. */
  paramError: { errNo: 20000, errorType: 'D', detail: '%s', description: 'parameter error' },
  /** errNo 20000 / errorCode 115999: a parameter of `changeScreenSubscribeState` is wrong. */
  screenParamError: { errNo: 20000, errorCode: 115999, errorType: 'D', detail: '%s', description: 'parameter error (screen subscription)' },
  /** errNo 20000 / errorCode 172299: a parameter of `switchCamera` is wrong. */
  cameraParamError: { errNo: 20000, errorCode: 172299, errorType: 'D', detail: '%s', description: 'parameter error (switchCamera)' },
  /** errNo 10200: the user refused camera or microphone access. */
  authDeny: { errNo: 10200, errorType: 'U', detail: 'auth deny', description: 'user refused camera/microphone authorization' },
  /** errNo 10200 / errorCode 115990: the user refused microphone access. */
  micAuthDeny: { errNo: 10200, errorCode: 115990, errorType: 'U', detail: 'auth deny', description: 'user refused microphone authorization' },
  /** errNo 10201: the user refused the privacy agreement. */
  privacyNotAuthorized: {
    errNo: 10201,
    errorType: 'U',
    detail: 'privacy permission is not authorized',
    description: 'user refused the privacy agreement',
  },
  /** errNo 10202: the needed scope is not declared in the privacy agreement. */
  privacyScopeUndeclared: {
    errNo: 10202,
    errorType: 'D',
    detail: 'api scope is not declared in the privacy agreement',
    description: 'privacy agreement lacks the needed scope',
  },
  /** errNo 21100: this user (or this context) is already in a room. */
  alreadyInRoom: {
    errNo: 21100,
    errorType: 'D',
    detail: 'user %s is already in the room %s',
    description: 'one user id can be in one room at a time',
  },
  /** errNo 21101: the token is invalid, expired, or minted for another app/room/user. */
  invalidToken: { errNo: 21101, errorType: 'D', detail: 'invalid token', description: 'token invalid' },
  /** errNo 21102: joining failed for a reason other than the above. */
  joinFailed: { errNo: 21102, errorType: 'F', detail: '%s', description: 'unknown error while joining' },
  /** errNo 21101 / errorCode 115902: `updateToken` was given a token that does not verify. */
  updateTokenInvalid: {
    errNo: 21101,
    errorCode: 115902,
    errorType: 'D',
    detail: 'invalid token',
    description: 'updateToken got an invalid token',
  },
  /** errNo 21105: camera permission lost or the camera track ended during the call. */
  cameraLost: { errNo: 21105, errorType: 'U', detail: 'camera is not available: %s', description: 'camera permission lost / track ended' },
  /** errNo 21106: microphone permission lost or the microphone track ended during the call. */
  microphoneLost: { errNo: 21106, errorType: 'U', detail: 'microphone is not available: %s', description: 'microphone permission lost / track ended' },
  /** errNo 21108: the token expired; the member was removed from the room. */
  tokenExpired: { errNo: 21108, errorType: 'D', detail: 'token expired', description: 'token expired (call updateToken after onRoomTokenWillExpire)' },
  /** errorCode 115910: the context was destroyed. */
  destroyed: {
    errorCode: 115910,
    errorType: 'D',
    detail: 'engine has been destroyed,please invoke tt.createRtcRoomContext create new engine',
    description: 'context already destroyed; create a new one',
  },
  /** errNo 20000: the method needs a joined room and there is none (or another one). */
  notInRoom: { errNo: 20000, errorType: 'D', detail: 'not in room %s', description: 'not in that room' },
  /** rtcroom: the member's token lacks the publish privilege (or it expired), or the member is invisible. */
  noPublishPermission: {
    errNo: 21901,
    errorType: 'D',
    detail: 'no publish permission: %s',
    description: 'rtcroom: publishing is not allowed for this member',
  },
  /** rtcroom: the member's token lacks the subscribe privilege (or it expired). */
  noSubscribePermission: {
    errNo: 21907,
    errorType: 'D',
    detail: 'no subscribe permission: %s',
    description: 'rtcroom: subscribing is not allowed for this member',
  },
  /** rtcroom: media negotiation or transport setup failed. */
  mediaFailed: { errNo: 21908, errorType: 'F', detail: 'media failed: %s', description: 'rtcroom: media negotiation or transport failed' },
  /** rtcroom: the publish privilege of the token expired; publishing stopped, the member stays. */
  publishExpired: { errNo: 21910, errorType: 'D', detail: 'publish privilege expired', description: 'rtcroom: publish privilege expired' },
  /** rtcroom state: a media connection is being set up. */
  transportConnecting: { errNo: 21951, errorType: 'I', detail: '%s connection connecting', description: 'rtcroom: media connection connecting' },
  /** rtcroom state: a media connection is up. */
  transportConnected: { errNo: 21952, errorType: 'I', detail: '%s connection connected', description: 'rtcroom: media connection connected' },
  /** rtcroom state: a media connection lost its path and tries to recover. */
  transportReconnecting: { errNo: 21953, errorType: 'I', detail: '%s connection reconnecting', description: 'rtcroom: media connection reconnecting' },
  /** rtcroom state: a media connection failed for good (the call is interrupted). */
  transportFailed: { errNo: 21954, errorType: 'F', detail: '%s connection failed', description: 'rtcroom: media connection failed' },
  /** rtcroom state: the downlink cannot carry video now; remote video is paused, audio goes on. */
  videoPausedForBandwidth: {
    errNo: 21956,
    errorType: 'I',
    detail: 'remote video paused: the downlink carries about %s kbps',
    description: 'rtcroom: remote video paused for bandwidth (audio only)',
  },
  /** rtcroom state: the downlink recovered; remote video resumes. */
  videoResumed: { errNo: 21957, errorType: 'I', detail: 'remote video resumed', description: 'rtcroom: remote video resumed' },
  /** rtcroom: the server is shutting down (the call is interrupted). */
  serverShutdown: { errNo: 21955, errorType: 'F', detail: 'server shutting down', description: 'rtcroom: server shutting down' },
  /** rtcroom: a device could not be opened (missing, busy, or the constraints cannot be met). */
  captureFailed: { errNo: 21909, errorType: 'F', detail: 'capture failed: %s', description: 'rtcroom: capture device unavailable' },
  /** rtcroom: the signaling connection could not be opened or was lost while a call was pending. */
  connectionFailed: {
    errNo: 21902,
    errorType: 'F',
    detail: 'connection failed: %s',
    description: 'rtcroom: signaling connection failed',
  },
  /** rtcroom: the request did not get a reply in time. */
  timeout: { errNo: 21903, errorType: 'F', detail: 'timeout after %s ms', description: 'rtcroom: request timed out' },
  /** rtcroom: the client sent more messages than the server allows. */
  rateLimited: {
    errNo: 21904,
    errorType: 'D',
    detail: 'rate limit exceeded: %s',
    description: 'rtcroom: too many signaling messages',
  },
  /** rtcroom: a resume was refused (the session is over: grace window passed, member gone, server restarted); join again. */
  resumeFailed: { errNo: 21912, errorType: 'I', detail: 'resume failed: %s', description: 'rtcroom: session cannot be resumed' },
  /**
   * rtcroom: the operator removed the member (admin API `kick`; Volcengine RTC reports it as
   * -1006, kicked out by the server's OpenAPI). The SDK does not rejoin.
   */
  kicked: { errNo: 21913, errorType: 'I', detail: 'kicked out of room %s by the server', description: 'rtcroom: kicked out of the room by the operator' },
  /**
   * rtcroom: the operator closed the room for everyone (admin API `DELETE room`; Volcengine RTC:
   * -1011, room dismissed). The SDK does not rejoin.
   */
  roomClosed: { errNo: 21914, errorType: 'I', detail: 'room %s was closed by the server', description: 'rtcroom: room closed by the operator' },
  /**
   * rtcroom state: the operator stopped one of the member's streams (admin API `mute`); the SDK
   * stops publishing it, and `changeStreamPublishState` (or `publishScreen`) may start it again.
   */
  mutedByServer: { errNo: 21958, errorType: 'I', detail: '%s stopped by the server', description: 'rtcroom: a published stream was stopped by the operator' },
  /**
   * rtcroom: a clustered server (`--redis`) cannot place the room: Redis is unreachable, or no live
   * node can take a new room. Rooms already running are not affected; the SDK's automatic rejoin
   * keeps trying, an app's own `joinRtcRoom` can try again.
   */
  clusterUnavailable: { errNo: 21915, errorType: 'F', detail: 'cluster unavailable: %s', description: 'rtcroom: the cluster cannot place the room now' },
  /** rtcroom: an unexpected server-side failure. */
  internal: { errNo: 21905, errorType: 'F', detail: 'internal error: %s', description: 'rtcroom: unexpected server error' },
  /** rtcroom: the room has reached its limit of visible members (Volcengine's default: 50), or its total member limit. */
  roomFull: { errNo: 21906, errorType: 'D', detail: 'room %s is full (%s members)', description: 'rtcroom: room member limit reached' },
  /** rtcroom: the room has reached its publisher limit (Volcengine's default: 30 members publishing at once). */
  tooManyPublishers: {
    errNo: 21911,
    errorType: 'D',
    detail: 'room %s already has %s publishers',
    description: 'rtcroom: room publisher limit reached',
  },
} as const satisfies Record<string, ErrorSpec>;

/** A key of {@link ERRORS}. */
export type ErrorName = keyof typeof ERRORS;

/** What travels on the wire and what SDK callbacks receive on failure. */
export interface RtcErrorPayload {
  /** Legacy Douyin error number, when the row has one. */
  errNo?: number;
  /** Douyin 6-digit error code, when the row has one. */
  errorCode?: number;
  /** Douyin error type. */
  errorType?: ErrorType;
  /** `"<method>:fail <detail>"`. */
  errMsg: string;
}

/** Fills `%s` placeholders in order; missing arguments become empty strings. */
export function formatDetail(template: string, args: readonly (string | number)[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

/**
 * The wire payload of row `code` for `method`, as `new RtcError(code, method, ...args).toPayload()`
 * but without creating an Error: no stack trace is captured, so refusing a flood of malformed
 * frames stays cheap (the stack capture was a third of the server's cost per refused frame).
 */
export function errorPayload(code: ErrorName, method: string, ...args: (string | number)[]): RtcErrorPayload {
  const spec: ErrorSpec = ERRORS[code];
  const p: RtcErrorPayload = { errMsg: `${method}:fail ${formatDetail(spec.detail, args)}` };
  if (spec.errNo !== undefined) p.errNo = spec.errNo;
  if (spec.errorCode !== undefined) p.errorCode = spec.errorCode;
  if (spec.errorType !== undefined) p.errorType = spec.errorType;
  return p;
}

/**
 * The one coded error of rtcroom. Thrown (or rejected) by server and SDK alike; serialise it
 * with {@link RtcError.toPayload}.
 */
export class RtcError extends Error {
  /** Row name in {@link ERRORS}. */
  readonly code: ErrorName;
  /** Douyin API name the error is reported for (`joinRtcRoom`, …). */
  readonly method: string;
  /** Legacy Douyin error number. */
  readonly errNo: number | undefined;
  /** Douyin 6-digit error code. */
  readonly errorCode: number | undefined;
  /** Douyin error type. */
  readonly errorType: ErrorType | undefined;
  /** `"<method>:fail <detail>"`. */
  readonly errMsg: string;

  /**
   * @param code row of {@link ERRORS}
   * @param method the Douyin API name, used as the `errMsg` prefix
   * @param args values for the row's `%s` placeholders
   */
  constructor(code: ErrorName, method: string, ...args: (string | number)[]) {
    const p = errorPayload(code, method, ...args);
    super(p.errMsg);
    this.name = 'RtcError';
    this.code = code;
    this.method = method;
    this.errNo = p.errNo;
    this.errorCode = p.errorCode;
    this.errorType = p.errorType;
    this.errMsg = p.errMsg;
  }

  /**
   * Rebuilds an error received over the wire. The row is found by `errorCode`, then `errNo`
   * (falling back to `internal`); the received `errMsg` is kept as is.
   */
  static fromPayload(p: RtcErrorPayload, method: string): RtcError {
    const rows = Object.entries(ERRORS) as [ErrorName, ErrorSpec][];
    const row =
      rows.find(([, s]) => p.errorCode !== undefined && s.errorCode === p.errorCode) ??
      rows.find(([, s]) => p.errNo !== undefined && s.errNo === p.errNo && s.errorCode === undefined);
    return RtcError.#with(row ? row[0] : 'internal', method, p);
  }

  static #with(code: ErrorName, method: string, p: RtcErrorPayload): RtcError {
    const e = new RtcError(code, method);
    const fields: Partial<Record<'errNo' | 'errorCode' | 'errorType' | 'errMsg' | 'message', unknown>> = {
      errNo: p.errNo,
      errorCode: p.errorCode,
      errorType: p.errorType ?? e.errorType,
      errMsg: p.errMsg,
      message: p.errMsg,
    };
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(e, k, { value: v, enumerable: k !== 'message', writable: false, configurable: true });
    return e;
  }

  /** The text after `"<method>:fail "`. */
  get detail(): string {
    const at = this.errMsg.indexOf(':fail ');
    return at < 0 ? this.errMsg : this.errMsg.slice(at + 6);
  }

  /**
   * The same error reported for another API (`publisherOffer:fail x` → `joinRtcRoom:fail x`), so
   * no internal request name reaches an app. Returns `this` when the method already matches.
   */
  withMethod(method: string): RtcError {
    if (this.method === method && this.errMsg.startsWith(`${method}:fail`)) return this;
    return RtcError.#with(this.code, method, { ...this.toPayload(), errMsg: `${method}:fail ${this.detail}` });
  }

  /** The plain object sent over the wire and given to `fail` callbacks. */
  toPayload(): RtcErrorPayload {
    const p: RtcErrorPayload = { errMsg: this.errMsg };
    if (this.errNo !== undefined) p.errNo = this.errNo;
    if (this.errorCode !== undefined) p.errorCode = this.errorCode;
    if (this.errorType !== undefined) p.errorType = this.errorType;
    return p;
  }
}

/**
 * The `{errNo, errMsg}` of an `onRtcStateChanged` event for a row. Informational rows (type `I`:
 * connecting, connected, reconnecting) carry `"onRtcStateChanged:ok <detail>"`, never `:fail`;
 * the others `"onRtcStateChanged:fail <detail>"`.
 */
export function statePayload(code: ErrorName, ...args: (string | number)[]): { errNo: number; errMsg: string } {
  const spec: ErrorSpec = ERRORS[code];
  const detail = formatDetail(spec.detail, args);
  return { errNo: spec.errNo ?? spec.errorCode ?? 0, errMsg: `onRtcStateChanged:${spec.errorType === 'I' ? 'ok' : 'fail'} ${detail}` };
}

/** The `errMsg` of a success result: `"<method>:ok"`. */
export function okMessage(method: string): string {
  return `${method}:ok`;
}
