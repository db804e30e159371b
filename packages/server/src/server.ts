/**
 * The room server: HTTP (health, SDK, demo, dev tokens) and the signaling WebSocket on one port.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNAL_PATH } from '@rtcroom/protocol';
import type { ServerConfig } from './config.ts';
import { MemoryReclaimer, memoryReducingGc } from './memory-reclaim.ts';
import { createLogger, type Logger } from './log.ts';
import { RoomManager } from './room/room-manager.ts';
import { Handlers } from './signal/handlers.ts';
import { JoinService, type MediaFactory } from './room/join-service.ts';
import { Router } from './media/router.ts';
import { mediaCounts } from './media/metrics.ts';
import { WorkerPool } from './workers/worker-pool.ts';
import { SignalServer } from './signal/signal-server.ts';
import { createRoutes } from './http/routes.ts';
import { CONNECTIONS_CHECK_MS, limitConnections } from './http/connection-limit.ts';
import { bindSharedPort, closeSharedPort } from './media/transport/shared-port.ts';
import { chooseSendPath, sendPathHealth } from './media/native/send-path.ts';

/** A running server. */
export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Room state, for embedding and tests. */
  readonly rooms: RoomManager;
  /** Stops accepting, closes every session, resolves when the port is free. */
  close(): Promise<void>;
}

/**
 * Starts a server with `config` and resolves once it listens.
 * @param log defaults to a stderr logger at `config.logLevel`
 */
export async function startServer(given: ServerConfig, log: Logger = createLogger(given.logLevel)): Promise<RunningServer> {
  if (given.media.singlePort && given.workers > 1) throw new Error('single-port mode needs one media process (workers: 1): a UDP port cannot be shared between worker processes');
  // the send path (--native on without the module fails the start), then in single-port mode
  // the shared media sockets (a taken port fails the start)
  const send = chooseSendPath(given.native);
  log.info('media send path', { path: send.path, reason: send.reason });
  const config: ServerConfig = { ...given, media: { ...(await bindSharedPort(given.media, log)), native: send.addon } };
  const rooms = new RoomManager({
    maxMembersPerRoom: config.maxMembersPerRoom,
    maxVisibleMembers: config.maxVisibleMembers,
    snapshotIntervalMs: config.snapshotIntervalMs,
  });
  // media in process (--workers 1), or on media worker processes
  const pool = config.workers > 1 ? new WorkerPool(config, config.workers, log) : undefined;
  if (pool) {
    try {
      await pool.ready();
    } catch (e) {
      await pool.close(0);
      throw e;
    }
  }
  const newMedia: MediaFactory = pool ? (room, lost) => pool.createMedia(room, lost) : (room) => new Router(room, config.media, config.speakers, log, config.audioSelection);
  const joins = new JoinService(config.apps, rooms, config, log, newMedia);
  const handlers = new Handlers(joins, config);
  const signal = new SignalServer(config, handlers, joins, log);
  const routes = createRoutes(
    config,
    {
      rooms: () => rooms.roomCount,
      members: () => rooms.memberCount,
      sessions: () => signal.sessionCount,
      media: () => (pool ? pool.totals() : { ...mediaCounts }),
      workers: pool && (() => pool.health()),
      sendPath: () => sendPathHealth(send, !pool),
    },
    log,
  );
  const http: Server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (req, res) => void routes(req, res));
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === SIGNAL_PATH) signal.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  http.on('clientError', (_err, socket) => socket.destroy());
  limitConnections(http, config.maxConnectionsPerAddress, log);
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    signal.close();
    joins.close();
    await closeSharedPort(config.media);
    throw e;
  }
  const { port } = http.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info('rtcroom listening', { url, apps: config.apps.size, devMode: config.devApp !== undefined });
  const reclaim = config.memoryReclaim ? watchMemory(log) : undefined;
  return {
    url,
    port,
    rooms,
    close: async () => {
      if (reclaim) clearInterval(reclaim);
      signal.close();
      joins.close();
      http.closeAllConnections();
      await Promise.all([new Promise<void>((r) => http.close(() => r())), pool?.close()]);
      await closeSharedPort(config.media);
    },
  };
}

/** How often RSS is read for the memory reclaimer (ms). */
const RECLAIM_SAMPLE_MS = 1000;

/** Samples RSS and reclaims memory after bursts (see `memory-reclaim.ts`); returns the timer. */
function watchMemory(log: Logger): NodeJS.Timeout {
  const reclaimer = new MemoryReclaimer(memoryReducingGc());
  const timer = setInterval(() => {
    const r = reclaimer.sample(performance.now(), process.memoryUsage.rss(), () => process.memoryUsage.rss());
    if (r) log.info('memory reclaimed after a burst', { rssBeforeMiB: Math.round(r.rssBeforeBytes / 2 ** 20), rssAfterMiB: Math.round(r.rssAfterBytes / 2 ** 20), pauseMs: Math.round(r.pauseMs) });
  }, RECLAIM_SAMPLE_MS);
  timer.unref();
  return timer;
}
