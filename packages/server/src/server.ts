/**
 * The room server: HTTP (health, SDK, demo, dev tokens) and the signaling WebSocket on one port.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNAL_PATH } from '@rtcroom/protocol';
import type { ServerConfig } from './config.ts';
import { heapSlackBytes, type HeapPressure, MemoryReclaimer, memoryReducingGc } from './memory-reclaim.ts';
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
import { RoomActivity } from './ops/room-activity.ts';
import { Moderation } from './room/moderation.ts';
import { createAdminApi } from './admin/api.ts';
import { ClusterAdmin } from './admin/cluster-admin.ts';
import { RoomsApi, type RoomsDeps } from './admin/rooms.ts';
import { RoomDirectory, type RoomEntry } from './cluster/room-directory.ts';
import { ServerMetrics } from './metrics/prometheus.ts';
import { metricsRoute } from './metrics/route.ts';
import { Webhooks } from './webhooks/webhooks.ts';
import { openUsage } from './usage/setup.ts';
import { RemoteRoomMedia } from './workers/remote-room-media.ts';
import { Cluster, localRooms } from './cluster/cluster.ts';
import { publicUrlFor } from './cluster/public-url.ts';
import { chooseSendPath, sendPathHealth } from './media/native/send-path.ts';
import { canAnswerHelloAtOnce, noFallbackStun, opensslX25519 } from './media/werift-adapter.ts';
import { Recordings } from './recording/recordings.ts';

/** A running server. */
export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Room state, for embedding and tests. */
  readonly rooms: RoomManager;
  /** Rooms starting and finishing, members joining and leaving, streams (webhooks, usage). */
  readonly activity: RoomActivity;
  /** The Prometheus metrics served at `/metrics`. */
  readonly metrics: ServerMetrics;
  /** Waits until the usage records of what happened so far are written (tests). */
  flushUsage(): Promise<void>;
  /** This node's cluster (`--redis`), if any: the cluster view for admin and metrics endpoints. */
  readonly cluster: Cluster | undefined;
  /**
   * Cluster: stops taking new rooms and resolves once this node's rooms are empty, or after the
   * drain timeout, when their members are sent to rejoin (their rooms go to other nodes).
   * Without a cluster it resolves at once.
   */
  drain(): Promise<void>;
  /**
   * Stops accepting, closes every session, resolves when the port is free. A cluster node first
   * marks itself draining and sends the members of its rooms to rejoin on the other nodes (4013).
   */
  close(): Promise<void>;
}

/**
 * Starts a server with `config` and resolves once it listens.
 * @param log defaults to a stderr logger at `config.logLevel`
 */
export async function startServer(given: ServerConfig, log: Logger = createLogger(given.logLevel)): Promise<RunningServer> {
  if (given.webhooks.urls.length > 0 && given.adminKey === undefined) throw new Error('webhooks are signed with the admin key: set one (--admin-key) to send them');
  if (given.media.singlePort && given.workers > 1) throw new Error('single-port mode needs one media process (workers: 1): a UDP port cannot be shared between worker processes');
  // the send path (--native on without the module fails the start), then in single-port mode
  // the shared media sockets (a taken port fails the start)
  const send = chooseSendPath(given.native);
  log.info('media send path', { path: send.path, reason: send.reason });
  if (!opensslX25519()) log.warn('werift DTLS keeps its JavaScript X25519 (its tweetnacl is not the one expected)');
  if (!canAnswerHelloAtOnce()) log.warn("werift's DTLS server keeps its HelloVerifyRequest, a round trip more per connection (werift's internals are not the ones expected)");
  if (!noFallbackStun()) log.warn("werift's ICE agents query stun.l.google.com when no STUN server is configured (werift's internals are not the ones expected)");
  const config: ServerConfig = { ...given, media: { ...(await bindSharedPort(given.media, log)), native: send.addon } };
  const rooms = new RoomManager({
    maxMembersPerRoom: config.maxMembersPerRoom,
    maxVisibleMembers: config.maxVisibleMembers,
    snapshotIntervalMs: config.snapshotIntervalMs,
  });
  const activity = new RoomActivity(rooms);
  // usage records first: a database that cannot be opened fails the start
  let usage: Awaited<ReturnType<typeof openUsage>> | undefined;
  try {
    usage = config.usage ? await openUsage(config.usage, activity, log.child({ part: 'usage' })) : undefined;
  } catch (e) {
    await closeSharedPort(config.media);
    throw e;
  }
  // media in process (--workers 1), or on media worker processes
  // Redis first: an unreachable Redis fails the start before anything else is set up
  let cluster: Cluster | undefined;
  try {
    cluster = config.cluster && (await Cluster.connect(config.cluster, log));
  } catch (e) {
    await usage?.recorder.close();
    await closeSharedPort(config.media);
    throw e;
  }
  const pool = config.workers > 1 ? new WorkerPool(config, config.workers, log) : undefined;
  if (pool) {
    try {
      await pool.ready();
    } catch (e) {
      await pool.close(0);
      await usage?.recorder.close();
      await cluster?.close();
      throw e;
    }
  }
  const newMedia: MediaFactory = pool ? (room, lost) => pool.createMedia(room, lost) : (room) => new Router(room, config.media, config.speakers, log, config.audioSelection);
  const joins = new JoinService(config.apps, rooms, config, log, newMedia, cluster);
  cluster?.on('roomLost', (appId, roomId, holder) => joins.moveRoom(appId, roomId, `the room is on node ${holder} now`));
  const handlers = new Handlers(joins, config);
  const metrics = new ServerMetrics({
    rooms: () => rooms.roomCount,
    members: () => rooms.memberCount,
    publishers: () => activity.publisherCount,
    sessions: () => signal.sessionCount,
    media: () => ({ ...mediaCounts }),
    workers:
      pool &&
      (() => {
        const counts = pool.counts();
        return pool.health().map((health, i) => ({ health, counts: counts[i] }));
      }),
    cluster: cluster && (() => cluster.view()),
  });
  const signal = new SignalServer(config, handlers, joins, log, (method, seconds, ok) => {
    if (method === 'joinRtcRoom') metrics.joinDuration.observe({ result: ok ? 'ok' : 'refused' }, seconds);
  });
  const webhooks = config.adminKey !== undefined && config.webhooks.urls.length > 0 ? new Webhooks(config.webhooks, config.adminKey, activity, metrics, log.child({ part: 'webhooks' })) : undefined;
  const recordings = config.recording ? new Recordings(config.recording, rooms, (room) => joins.media(room, 'startRecording'), log.child({ part: 'recording' })) : undefined;
  const roomsDeps: RoomsDeps = {
    apps: config.apps,
    rooms,
    activity,
    moderation: new Moderation(rooms, joins),
    workerOf: pool && ((room) => (room.media instanceof RemoteRoomMedia ? room.media.worker : undefined)),
    nodeId: cluster?.nodeId,
  };
  // cluster: every node keeps its rooms' admin summaries in Redis, for the admin API of the others
  const summaries = new RoomsApi(roomsDeps);
  const directory = cluster && new RoomDirectory(cluster.store, cluster.nodeId, cluster.timing, () => roomEntries(rooms, summaries));
  const admin = createAdminApi({
    ...roomsDeps,
    recordings,
    key: config.adminKey,
    cluster: cluster && directory && new ClusterAdmin({ nodeId: cluster.nodeId, directory, rooms }),
    usage: usage?.store,
    log: log.child({ part: 'admin' }),
  });
  const routes = createRoutes(
    config,
    {
      rooms: () => rooms.roomCount,
      members: () => rooms.memberCount,
      sessions: () => signal.sessionCount,
      media: () => (pool ? pool.totals() : { ...mediaCounts }),
      workers: pool && (() => pool.health()),
      cluster: cluster && (() => cluster.view()),
      sendPath: () => sendPathHealth(send, !pool),
    },
    log,
    [admin, metricsRoute(metrics, config.metricsKey)],
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
    await recordings?.close();
    joins.close();
    await Promise.all([pool?.close(), cluster?.close()]);
    await webhooks?.close();
    await usage?.recorder.close();
    await closeSharedPort(config.media);
    throw e;
  }
  const { port } = http.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  if (cluster && config.cluster) {
    const media = () => (pool ? pool.totals() : mediaCounts);
    await cluster.start(config.cluster.publicUrl ?? publicUrlFor(config.host, port, config.media.announcedAddress), rooms, () => {
      const m = media();
      return { rooms: rooms.roomCount, members: rooms.memberCount, peers: m.peers, forwarded: m.forwarded, received: m.received };
    });
    directory?.start();
  }
  log.info('rtcroom listening', { url, apps: config.apps.size, devMode: config.devApp !== undefined, ...(cluster ? { nodeId: cluster.nodeId } : {}) });
  const reclaim = config.memoryReclaim ? watchMemory(log, send.addon) : undefined;
  /** Cluster: gives up the pins of this node's rooms and sends their members to rejoin (4013), when another node can take them. */
  const moveAway = async (reason: string) => {
    const left = localRooms(rooms);
    if (!cluster || left.length === 0 || cluster.info().nodes.length === 0) return;
    log.warn('the members of this node\'s rooms rejoin on other nodes', { rooms: left.length, reason });
    await cluster.releaseAll(left);
    for (const r of left) joins.moveRoom(r.appId, r.roomId, reason);
  };
  return {
    url,
    port,
    rooms,
    activity,
    metrics,
    flushUsage: async () => usage?.recorder.flush(),
    cluster,
    drain: async () => {
      if (!cluster) return;
      await cluster.drain();
      if (!(await roomsEmpty(rooms, cluster.drainTimeoutMs))) await moveAway('this node was drained');
    },
    close: async () => {
      // a cluster node that stops sends its members to rejoin on the other nodes (when there are any)
      if (cluster) {
        await cluster.drain();
        await moveAway('this node is shutting down');
      }
      if (reclaim) clearInterval(reclaim);
      // recordings first: their files are finished while the rooms' media still runs
      await recordings?.close();
      signal.close();
      joins.close();
      http.closeAllConnections();
      await Promise.all([new Promise<void>((r) => http.close(() => r())), pool?.close(), usage?.recorder.close(), webhooks?.close(WEBHOOK_DRAIN_MS)]);
      directory?.stop();
      await cluster?.close();
      await closeSharedPort(config.media);
    },
  };
}

/** This node's rooms with their admin summaries, for the cluster's room directory. */
function* roomEntries(rooms: RoomManager, api: RoomsApi): Iterable<RoomEntry> {
  for (const room of localRooms(rooms)) {
    const { node: _node, ...summary } = api.view(room);
    yield { appId: room.appId, roomId: room.roomId, summary };
  }
}

/** At shutdown, webhooks get this long to deliver the leaves and room ends it caused (ms). */
const WEBHOOK_DRAIN_MS = 1500;

/** Resolves true once `rooms` holds no room, false after `timeoutMs`. */
function roomsEmpty(rooms: RoomManager, timeoutMs: number): Promise<boolean> {
  if (rooms.roomCount === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (empty: boolean) => {
      clearTimeout(timer);
      rooms.off('roomClosed', check);
      resolve(empty);
    };
    const check = () => {
      if (rooms.roomCount === 0) done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    rooms.on('roomClosed', check);
  });
}

/** How often RSS is read for the memory reclaimer (ms). */
const RECLAIM_SAMPLE_MS = 1000;

/**
 * Samples RSS and reclaims memory after bursts (see `memory-reclaim.ts`): incrementally with the
 * native module, else with a pause. Returns the timer.
 */
function watchMemory(log: Logger, native: HeapPressure | undefined): NodeJS.Timeout {
  const reclaimer = new MemoryReclaimer(memoryReducingGc(native), {}, () => heapSlackBytes());
  const timer = setInterval(() => {
    const r = reclaimer.sample(performance.now(), process.memoryUsage.rss(), () => process.memoryUsage.rss());
    if (!r) return;
    const mib = (b: number | undefined) => (b === undefined ? undefined : Math.round(b / 2 ** 20));
    if (r.incremental) log.info('memory reclaim started after a burst (incremental GC)', { rssBeforeMiB: mib(r.rssBeforeBytes) });
    else log.info('memory reclaimed after a burst', { rssBeforeMiB: mib(r.rssBeforeBytes), rssAfterMiB: mib(r.rssAfterBytes), pauseMs: Math.round(r.pauseMs) });
  }, RECLAIM_SAMPLE_MS);
  timer.unref();
  return timer;
}
