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
import type { RoomManager } from '../room/room-manager.ts';
import type { Handlers } from './handlers.ts';
import { Session } from './session.ts';

/** Hard cap on a frame; above it the socket is closed unread (1009). Below it, the session replies with an error. */
const HARD_FRAME_CAP = 1024 * 1024;

/** Owns every signaling session of the process. */
export class SignalServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #sweep: NodeJS.Timeout;

  constructor(
    config: ServerConfig,
    handlers: Handlers,
    rooms: RoomManager,
    log: Logger,
  ) {
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(HARD_FRAME_CAP, config.maxFrameBytes * 2), perMessageDeflate: false });
    this.#wss.on('connection', (ws, req: IncomingMessage) => {
      const session = new Session(ws, config, handlers, log, (s, reason) => {
        this.#sessions.delete(s);
        if (s.member) {
          rooms.leave(s.member, reason);
          s.member = undefined;
        }
        log.debug('session ended', { session: s.id, reason });
      });
      this.#sessions.add(session);
      log.debug('session started', { session: session.id, remote: req.socket.remoteAddress });
    });
    const every = Math.max(100, Math.min(1000, config.heartbeatTimeoutMs / 4));
    let lastSweep = performance.now();
    this.#sweep = setInterval(() => {
      const now = performance.now();
      const stalled = now - lastSweep > every * 2;
      lastSweep = now;
      // after a stall of the event loop, messages that arrived meanwhile are still unread: judge
      // nobody on timestamps the loop had no chance to update; the next sweep will
      if (stalled) return;
      const deadline = now - config.heartbeatTimeoutMs;
      const late = [...this.#sessions].filter((s) => s.lastSeen < deadline);
      if (!late.length) return;
      // the I/O phase runs before setImmediate: data already waiting on a socket updates lastSeen first
      setImmediate(() => {
        for (const s of late) {
          if (!s.closed && s.lastSeen < deadline) s.close(CLOSE_CODES.heartbeatTimeout, `heartbeat timeout: nothing received for ${config.heartbeatTimeoutMs} ms`);
        }
      });
    }, every);
    this.#sweep.unref();
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
    for (const s of [...this.#sessions]) {
      if (s.member) s.sendEvent('interrupted', new RtcError('serverShutdown', 'onRtcChatInterrupted').toPayload());
      s.close(CLOSE_CODES.serverShutdown, 'server shutting down');
    }
    this.#wss.close();
  }
}
