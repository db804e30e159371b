/**
 * The SDK's signaling connection: requests with ids and timeouts, pushed events, heartbeat.
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';
import { CLOSE_CODES } from '@rtcroom/protocol/constants';
import type { EventFrame, RequestMethod, RequestParams, RequestResults, ServerFrame } from '@rtcroom/protocol';

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: RtcError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Callbacks of a {@link SignalClient}. */
export interface SignalHandlers {
  /** A pushed event arrived. */
  onEvent(frame: EventFrame): void;
  /** The connection ended without {@link SignalClient.close} being called (`code`: the WebSocket close code). */
  onLost(reason: string, code: number | undefined): void;
}

/** What sends requests: a {@link SignalClient}, or a session forwarding to its current one. */
export interface Requester {
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, apiName?: string, timeoutMs?: number): Promise<RequestResults[M]>;
}

/** What a media connection needs of its session: requests, and how to configure ICE. */
export interface MediaHost extends Requester {
  /** Configuration for a new `RTCPeerConnection` (ICE servers of the join, transport policy). */
  rtcConfiguration(): RTCConfiguration;
  /** How long to wait for ICE gathering before sending a description (ms). */
  readonly gatherCapMs: number;
}

/** With media still arriving, how long the server may stay silent before the connection counts as lost (ms). */
export const SILENCE_LIMIT_MS = 8000;

/** How long a heartbeat ping may wait for its answer: twice the interval, at least 2 s. */
export function pongTimeoutMs(intervalMs: number): number {
  return Math.max(2000, 2 * intervalMs);
}

/** One WebSocket to the server. */
export class SignalClient {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #handlers: SignalHandlers;
  #nextId = 1;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** When the last frame came from the server (performance.now()). */
  #lastFrameAt = performance.now();
  #pathAlive: (() => Promise<boolean>) | undefined;

  private constructor(ws: WebSocket, handlers: SignalHandlers) {
    this.#ws = ws;
    this.#handlers = handlers;
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#end(`connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`, ev.code);
  }

  /**
   * Opens a connection to `url`.
   * @param method API name used in the error when it fails
   */
  static connect(url: string, handlers: SignalHandlers, method: string, timeoutMs = 10_000): Promise<SignalClient> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(new RtcError('connectionFailed', method, `${url}: ${(e as Error).message}`));
        return;
      }
      const timer = setTimeout(() => {
        ws.close();
        reject(new RtcError('connectionFailed', method, `${url}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new SignalClient(ws, handlers));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new RtcError('connectionFailed', method, `cannot reach ${url}`));
      };
    });
  }

  /** Sends a request and resolves with its result, or rejects with the server's error. */
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, apiName: string = method, timeoutMs = 10_000): Promise<RequestResults[M]> {
    if (this.#closed) return Promise.reject(new RtcError('connectionFailed', apiName, 'not connected'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RtcError('timeout', apiName, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { method: apiName, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify(apiName !== method ? { id, method, api: apiName, params } : { id, method, params }));
    });
  }

  /**
   * Pings every `ms`. A ping unanswered for {@link pongTimeoutMs} ends the connection as lost
   * (recovery starts at once): a dead network path is noticed within `ms` + 2 s, before the
   * server's ghost timeout, so a network switch resumes the same member. Unless `pathAlive` says
   * media still arrives: then the link is only slow or congested (a thin link full of media
   * delays a pong by seconds), and the connection is kept until nothing at all came from the
   * server for {@link SILENCE_LIMIT_MS}.
   */
  startHeartbeat(ms: number, pathAlive?: () => Promise<boolean>): void {
    clearInterval(this.#heartbeat);
    this.#pathAlive = pathAlive;
    this.#heartbeat = setInterval(() => this.probe(pongTimeoutMs(ms)), ms);
  }

  /** Sends one ping now; no answer within `timeoutMs` ends the connection as lost (see {@link startHeartbeat}). */
  probe(timeoutMs = 1500): void {
    if (this.#closed) return;
    this.request('ping', {}, 'ping', timeoutMs).catch(async () => {
      if (this.#closed) return;
      const silentMs = performance.now() - this.#lastFrameAt;
      if (silentMs < SILENCE_LIMIT_MS && (await this.#pathAlive?.().catch(() => false))) return;
      if (this.#closed) return;
      // 4000: the server keeps our member for a resume if this frame gets through at all
      this.#ws.close(CLOSE_CODES.reconnecting, 'heartbeat lost');
      this.#end('heartbeat lost');
    });
  }

  /** Closes on purpose: no `onLost`. Pending requests fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.close(1000, 'bye');
    this.#cleanup('connection closed');
  }

  #end(reason: string, code?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cleanup(reason);
    this.#handlers.onLost(reason, code);
  }

  #cleanup(reason: string): void {
    clearInterval(this.#heartbeat);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RtcError('connectionFailed', p.method, reason));
    }
    this.#pending.clear();
  }

  #onMessage(data: unknown): void {
    this.#lastFrameAt = performance.now();
    if (typeof data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if ('event' in frame) return this.#handlers.onEvent(frame);
    if (typeof frame.id !== 'number') return;
    const p = this.#pending.get(frame.id);
    if (!p) return;
    this.#pending.delete(frame.id);
    clearTimeout(p.timer);
    if ('error' in frame) p.reject(RtcError.fromPayload(frame.error, p.method));
    else p.resolve(frame.result);
  }
}
