/**
 * The room server: HTTP (health, SDK, demo, dev tokens) and the signaling WebSocket on one port.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNAL_PATH } from '@rtcroom/protocol';
import type { ServerConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { RoomManager } from './room/room-manager.ts';
import { Handlers } from './signal/handlers.ts';
import { JoinService } from './room/join-service.ts';
import { SignalServer } from './signal/signal-server.ts';
import { createRoutes } from './http/routes.ts';
import { CONNECTIONS_CHECK_MS, limitConnections } from './http/connection-limit.ts';
import { bindSharedPort, closeSharedPort } from './media/transport/shared-port.ts';

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
  // single-port mode: the shared media sockets first (a taken port fails the start)
  const config: ServerConfig = { ...given, media: await bindSharedPort(given.media, log) };
  const rooms = new RoomManager({
    maxMembersPerRoom: config.maxMembersPerRoom,
    maxVisibleMembers: config.maxVisibleMembers,
    snapshotIntervalMs: config.snapshotIntervalMs,
  });
  const joins = new JoinService(config.apps, rooms, config, log);
  const handlers = new Handlers(joins, config);
  const signal = new SignalServer(config, handlers, joins, log);
  const routes = createRoutes(config, { rooms: () => rooms.roomCount, members: () => rooms.memberCount, sessions: () => signal.sessionCount }, log);
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
  return {
    url,
    port,
    rooms,
    close: async () => {
      signal.close();
      joins.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      await closeSharedPort(config.media);
    },
  };
}
