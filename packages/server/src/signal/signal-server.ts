/**
 * The signaling endpoint: accepts WebSocket upgrades on `/rtc`, creates a {@link Session} per
 * socket, and closes sessions that fall silent.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES, RtcError } from '@rtcroom/protocol';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { JoinService } from '../room/join-service.ts';
import type { Handlers } from './handlers.ts';
import { Session, type RequestObserver } from './session.ts';
import { stallAwareSweep } from './stall-aware.ts';
import { spreadEvery } from './spread.ts';
import { wantsPing } from './server-ping.ts';

/** The server's pings to all sessions go out in this many slices a period. */
const PING_SLICES = 10;

/** Hard cap on a frame; above it the socket is closed unread (1009). Below it, the session replies with an error. */
const HARD_FRAME_CAP = 1024 * 1024;

/** Owns every signaling session of the process. */
export class SignalServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #sweep: NodeJS.Timeout;
  readonly #pings: NodeJS.Timeout;

  constructor(
    config: ServerConfig,
    handlers: Handlers,
    joins: JoinService,
    log: Logger,
    observe?: RequestObserver,
  ) {
    // allowSynchronousEvents: false hands a session one message per event-loop turn (the rest wait
    // unread): a burst of small frames on hundreds of sockets cannot hold the
    // loop for seconds, and media, timers and other sessions get their turns in between
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(HARD_FRAME_CAP, config.maxFrameBytes * 2), perMessageDeflate: false, allowSynchronousEvents: false });
    this.#wss.on('connection', (ws, req: IncomingMessage) => {
      const session = new Session(ws, config, handlers, log, (s, reason, resumable) => {
        this.#sessions.delete(s);
        joins.sessionLost(s, reason, resumable);
        log.debug('session ended', { session: s.id, reason, resumable });
      }, observe);
      this.#sessions.add(session);
      log.debug('session started', { session: session.id, remote: req.socket.remoteAddress });
    });
    const every = Math.max(100, Math.min(1000, config.heartbeatTimeoutMs / 4));
    const timeout = `heartbeat timeout: nothing received for ${config.heartbeatTimeoutMs} ms`;
    const idle = `idle: no request and no room for ${config.idleSessionMs} ms`;
    const isIdle = (s: Session, now: number) => s.member === undefined && s.lastFrameAt < now - config.idleSessionMs;
    this.#sweep = stallAwareSweep(
      every,
      (now) => [...this.#sessions].filter((s) => s.lastSeen < now - config.heartbeatTimeoutMs || isIdle(s, now)),
      (s) => {
        const now = performance.now();
        if (s.closed) return;
        if (s.lastSeen < now - config.heartbeatTimeoutMs) s.close(CLOSE_CODES.heartbeatTimeout, timeout);
        else if (isIdle(s, now)) s.close(CLOSE_CODES.heartbeatTimeout, idle);
      },
    );
    // the server's own pings: a live client's pong keeps it alive even between its heartbeats;
    // a tenth of the sessions every tenth of the period (spread.ts), only those not heard from
    // lately (server-ping.ts)
    this.#pings = spreadEvery(config.serverPingMs, PING_SLICES, () => this.#sessions, (s) => s.id, (s) => {
      if (wantsPing(s.lastSeen, performance.now(), config.serverPingMs)) s.ping();
    });
  }

  /** Number of live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Takes over an HTTP upgrade request for the signaling path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  /** Closes every session (server shutdown). */
  close(): void {
    clearInterval(this.#sweep);
    clearInterval(this.#pings);
    for (const s of [...this.#sessions]) {
      if (s.member) s.sendEvent('interrupted', new RtcError('serverShutdown', 'onRtcChatInterrupted').toPayload());
      s.close(CLOSE_CODES.serverShutdown, 'server shutting down');
    }
    this.#wss.close();
  }
}
