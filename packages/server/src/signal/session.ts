/**
 * A signaling session: one per WebSocket. Parses and validates every frame, enforces size and
 * rate limits, dispatches requests and owns the session's room membership.
 * @module
 */
import type { WebSocket, RawData } from 'ws';
import {
  CLOSE_CODES,
  REQUEST_PARAMS,
  RtcError,
  errorPayload,
  isRequestMethod,
  requestEnvelopeSchema,
  validate,
  type ReplyFrame,
  type ServerEvents,
  type RequestMethod,
} from '@rtcroom/protocol';
import type { Member } from '../room/member.ts';
import type { SessionPort } from '../room/join-service.ts';
import type { Logger } from '../log.ts';
import type { ServerConfig } from '../config.ts';
import { TokenBucket, frameCost } from './rate-limit.ts';
import { MAX_JSON_DEPTH, jsonDepth } from './json-guard.ts';
import type { Handlers } from './handlers.ts';

let nextSessionId = 1;

/** Told how long each request took, from its frame read to its reply sent (metrics). */
export type RequestObserver = (method: RequestMethod, seconds: number, ok: boolean) => void;

/** One client connection. */
export class Session implements SessionPort {
  /** Process-unique id, for logs. */
  readonly id = nextSessionId++;
  /** Last time anything arrived, a frame or a pong (performance.now()). */
  lastSeen = performance.now();
  /** Last time a frame arrived (pongs aside: a live client that never asks for anything is idle). */
  lastFrameAt = performance.now();
  /** The member this session holds, once joined. */
  member: Member | undefined;
  readonly #ws: WebSocket;
  readonly #config: ServerConfig;
  readonly #handlers: Handlers;
  readonly #log: Logger;

  /** This session's logger: its id on every line, and its member's app, room and user once joined. */
  #lines(): Logger {
    const m = this.member;
    return m ? this.#log.child({ appId: m.appId, roomId: m.roomId, userId: m.userId }) : this.#log;
  }
  readonly #bucket: TokenBucket;
  readonly #onClosed: (s: Session, reason: string, resumable: boolean) => void;
  readonly #observe: RequestObserver | undefined;
  #closed = false;

  /**
   * @param onClosed called once when the session ends; `resumable` when it was lost (abnormal
   *   close, socket error, heartbeat timeout) rather than closed on purpose
   */
  constructor(ws: WebSocket, config: ServerConfig, handlers: Handlers, log: Logger, onClosed: (s: Session, reason: string, resumable: boolean) => void, observe?: RequestObserver) {
    this.#observe = observe;
    this.#ws = ws;
    this.#config = config;
    this.#handlers = handlers;
    this.#log = log.child({ session: this.id });
    this.#bucket = new TokenBucket(config.rateLimit.burst, config.rateLimit.perSecond);
    this.#onClosed = onClosed;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    // 1006: the connection dropped without a closing handshake (network, crash); 4000: the client
    // gave up on it and reconnects. Both are resumable.
    ws.on('close', (code) => this.#end(`socket closed (${code})`, code === 1006 || code === CLOSE_CODES.reconnecting));
    ws.on('error', (err) => {
      this.#lines().debug('socket error', { err });
      this.#end('socket error', true);
    });
    ws.on('pong', () => this.#touch());
  }

  /** True once the session has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a serialised frame; closes a session that stopped reading. */
  sendRaw(frame: string): void {
    if (this.#closed) return;
    if (this.#ws.bufferedAmount > this.#config.maxBufferedBytes) {
      this.close(CLOSE_CODES.rateLimited, 'client is not reading its messages');
      return;
    }
    this.#ws.send(frame);
  }

  /**
   * Closes the session with a code and reason. Its member leaves at once, except after a
   * heartbeat timeout (the client may come back with `resumeSession`).
   */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#ws.close(code, reason);
    const ws = this.#ws;
    setTimeout(() => ws.terminate(), 1000).unref();
    this.#end(reason, code === CLOSE_CODES.heartbeatTimeout);
  }

  /** Closes the session; its member (already moved to another session, or gone) is not touched. */
  detach(code: number, reason: string): void {
    this.member = undefined;
    this.close(code, reason);
  }

  /** Sends a WebSocket ping; the pong counts as a sign of life. */
  ping(): void {
    if (!this.#closed) this.#ws.ping();
  }

  #touch(): void {
    this.lastSeen = performance.now();
    if (this.member) this.member.lastSignalAt = this.lastSeen;
  }

  #end(reason: string, resumable: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClosed(this, reason, resumable);
  }

  /** Pushes an event to the client. */
  sendEvent<E extends keyof ServerEvents>(event: E, data: ServerEvents[E]): void {
    this.sendRaw(JSON.stringify({ event, data }));
  }

  #reply(frame: ReplyFrame): void {
    this.sendRaw(JSON.stringify(frame));
  }

  #fail(id: number | null, err: RtcError): void {
    this.#reply({ id, error: err.toPayload() });
  }

  /** Refuses a frame with a 20000 parameter error (no RtcError: hostile floods stay cheap). */
  #refuse(id: number | null, api: string, detail: string): void {
    this.#reply({ id, error: errorPayload('paramError', api, detail) });
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    this.#touch();
    this.lastFrameAt = this.lastSeen;
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    // charged by size: large frames use the allowance faster than small ones
    if (!this.#bucket.take(this.lastSeen, frameCost(size))) {
      const { burst, perSecond } = this.#config.rateLimit;
      this.#lines().warn('rate limit exceeded, closing', { burst, perSecond });
      this.close(CLOSE_CODES.rateLimited, `rate limit exceeded: more than ${perSecond} messages/s (burst ${burst}; 4 KiB counts as one message)`);
      return;
    }
    if (isBinary) return this.#refuse(null, 'signaling', 'binary frames are not supported');
    if (size > this.#config.maxFrameBytes) {
      return this.#refuse(null, 'signaling', `frame of ${size} bytes exceeds the limit of ${this.#config.maxFrameBytes}`);
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
    if (jsonDepth(text) < 0) return this.#refuse(null, 'signaling', `frame nests deeper than ${MAX_JSON_DEPTH} levels`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return this.#refuse(null, 'signaling', `malformed JSON: ${(e as Error).message}`);
    }
    const env = requestEnvelopeSchema.safeParse(json);
    if (!env.success) {
      const id = typeof json === 'object' && json !== null && 'id' in json && Number.isSafeInteger(json.id) ? (json.id as number) : null;
      const v = validate(requestEnvelopeSchema, json, 'frame');
      return this.#refuse(id, 'signaling', v.ok ? 'invalid frame' : v.detail);
    }
    const { id, method, params } = env.data;
    const api = env.data.api ?? method;
    if (!isRequestMethod(method)) return this.#refuse(id, api, `unknown method "${method}"`);
    const v = validate(REQUEST_PARAMS[method], params);
    if (!v.ok) return this.#refuse(id, api, v.detail);
    void this.#dispatch(id, method, v.value, api);
  }

  async #dispatch(id: number, method: RequestMethod, params: unknown, api: string): Promise<void> {
    const readAt = this.lastFrameAt;
    const observe = this.#observe && ((ok: boolean) => this.#observe?.(method, (performance.now() - readAt) / 1000, ok));
    try {
      const result = await this.#handlers.handle(this, method, params, api);
      this.#reply({ id, result });
      observe?.(true);
    } catch (e) {
      observe?.(false);
      if (e instanceof RtcError) return this.#fail(id, e);
      this.#lines().error('handler failed', { method, err: e });
      this.#fail(id, new RtcError(method === 'joinRtcRoom' ? 'joinFailed' : 'internal', api, (e as Error)?.message ?? String(e)));
    }
  }
}
