/**
 * This node in a Redis cluster (`rtcroom serve --redis`): its record under a lease (renewed every
 * second, gone 3 s after a `kill -9`), its members under the same lease, the pins of its rooms,
 * where a new room goes ({@link Cluster.place}), draining, and what happens when Redis goes away
 * and comes back (rooms already here keep running; on return the record, pins and members are
 * written again, and a room another node took meanwhile is given up: {@link ClusterEvents.roomLost}).
 * @module
 */
import { RtcError, TypedEmitter, type ClusterInfo, type ClusterNodeAddress } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import type { RoomManager } from '../room/room-manager.ts';
import type { Room } from '../room/room.ts';
import type { Member } from '../room/member.ts';
import type { NodeRecord } from './node-record.ts';
import { LoadMeter, type LocalLoad } from './load-meter.ts';
import { RedisStore, memberField, redact } from './redis-store.ts';
export { redact } from './redis-store.ts';
import { selectNode } from './select-node.ts';

/** Cluster settings (`--redis`, `--node-id`, `--public-url`, `--sysload-limit`, `--drain-timeout`). */
export interface ClusterConfig {
  /** `redis://host:port`. */
  redisUrl: string;
  /** This node's id (unique in the cluster). */
  nodeId: string;
  /** `http(s)://host:port` clients reach this node at; derived from the listening address when unset. */
  publicUrl: string | undefined;
  /** This node takes no new room while another node is under its own limit (LiveKit's `sysload_limit`). */
  sysloadLimit: number;
  /** SIGTERM waits this long for the node's rooms to empty, then moves their members (ms). */
  drainTimeoutMs: number;
  /** Lifetime of the node's record and members in Redis without renewal (ms). */
  leaseMs: number;
  /** How often the lease is renewed and the view of the other nodes refreshed (ms). */
  renewMs: number;
}

/** The cluster defaults: a 3 s lease renewed every second; 0.9 sysload limit; 5 min drain. */
export const CLUSTER_DEFAULTS = { sysloadLimit: 0.9, drainTimeoutMs: 300_000, leaseMs: 3000, renewMs: 1000 } as const;

export type { LocalLoad } from './load-meter.ts';

/** Where a room lives. */
export type Placement = { here: true } | { here: false; node: ClusterNodeAddress };

/** The cluster as this node sees it (for `/healthz` and the admin and metrics endpoints). */
export interface ClusterView {
  /** This node's id. */
  nodeId: string;
  /** This node's public URL. */
  url: string;
  /** `ready` while Redis answers. */
  redis: 'ready' | 'down';
  /** This node takes no new rooms. */
  draining: boolean;
  /** Every live node (this one with its current load), as of the last renewal. */
  nodes: NodeRecord[];
  /** Sums over those nodes. */
  totals: { nodes: number; rooms: number; members: number; peers: number; forwardedPps: number; receivedPps: number };
}

/** Events of the cluster. */
export type ClusterEvents = {
  /** Another node holds this local room now (it took it while this node was cut off from Redis): its members must move. */
  roomLost: [appId: string, roomId: string, holder: string];
};

/** Redis could not be reached at start. */
export class ClusterStartError extends Error {}

/** How long a node that a client could not reach has to answer our own check (ms). */
const PROBE_TIMEOUT_MS = 1000;

/** This node's membership in the cluster. */
export class Cluster extends TypedEmitter<ClusterEvents> {
  readonly #config: ClusterConfig;
  readonly #store: RedisStore;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  #url = '';
  #rooms: RoomManager | undefined;
  #load = new LoadMeter(() => ({ rooms: 0, members: 0, peers: 0, forwarded: 0, received: 0 }));
  #draining = false;
  #view: NodeRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  /** A renewal is queued and has not started. */
  #queued = false;
  /** Write everything again at the next renewal (first one, after Redis came back, after our lease lapsed). */
  #resync = true;
  readonly #added = new Map<string, number>();
  readonly #removed = new Set<string>();
  /** Joins placed here whose room is not made yet, by room: its pin must stay. */
  readonly #placing = new Map<string, number>();
  /** Rooms closed here whose pins are to be removed. */
  readonly #released = new Map<string, { appId: string; roomId: string }>();
  #wasReady = false;
  #closed = false;

  private constructor(config: ClusterConfig, store: RedisStore, log: Logger) {
    super();
    this.#config = config;
    this.#store = store;
    this.#log = log.child({ cluster: config.nodeId });
  }

  /** Connects to Redis; throws {@link ClusterStartError} with the reason when it cannot. */
  static async connect(config: ClusterConfig, log: Logger): Promise<Cluster> {
    const store = new RedisStore({ url: config.redisUrl, commandTimeoutMs: 1000 });
    try {
      await store.connect();
    } catch (e) {
      store.redis.disconnect();
      throw new ClusterStartError(`cannot reach Redis at ${redact(config.redisUrl)}: ${(e as Error).message}`);
    }
    // a node restarted at once after a crash waits for its old lease to run out
    const until = performance.now() + config.leaseMs + 1000;
    for (;;) {
      const existing = await store.node(config.nodeId).catch(() => undefined);
      if (!existing) break;
      if (performance.now() > until) {
        await store.close();
        throw new ClusterStartError(`node id "${config.nodeId}" is already live in the cluster (at ${existing.url}): give each node its own --node-id`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return new Cluster(config, store, log);
  }

  /** This node's id. */
  get nodeId(): string {
    return this.#config.nodeId;
  }

  /** Whether this node is draining. */
  get draining(): boolean {
    return this.#draining;
  }

  /** The Redis side, for the room directory of the admin API (`room-directory.ts`). */
  get store(): RedisStore {
    return this.#store;
  }

  /** The lease and its renewal period (ms). */
  get timing(): { leaseMs: number; renewMs: number } {
    return { leaseMs: this.#config.leaseMs, renewMs: this.#config.renewMs };
  }

  /** The drain timeout (ms). */
  get drainTimeoutMs(): number {
    return this.#config.drainTimeoutMs;
  }

  /**
   * Starts the lease: registers this node at `url`, reports `load` every renewal, and follows the
   * rooms and members of `rooms` into Redis. Resolves after the first registration attempt.
   */
  async start(url: string, rooms: RoomManager, load: () => LocalLoad): Promise<void> {
    this.#url = url;
    this.#rooms = rooms;
    this.#load = new LoadMeter(load);
    rooms.on('roomCreated', (room) => this.#watch(room));
    // rooms made by joins that came in before the start
    for (const room of localRooms(rooms)) this.#watch(room);
    rooms.on('roomClosed', (room) => this.release(room.appId, room.roomId));
    const redis = this.#store.redis;
    redis.on('ready', () => {
      this.#resync = true;
      if (!this.#wasReady) this.#log.info('Redis is back: registering again');
      this.#kick();
    });
    redis.on('close', () => {
      this.#resync = true;
      if (this.#wasReady) this.#log.warn('Redis connection lost: rooms on this node keep running; new rooms cannot be placed until it is back');
      this.#wasReady = false;
    });
    this.#timer = setInterval(() => this.#kick(), this.#config.renewMs);
    this.#timer.unref();
    this.#kick();
    await this.#tick;
  }

  #watch(room: Room): void {
    room.on('memberJoined', (m: Member) => {
      const f = memberField(m.appId, m.roomId, m.userId);
      this.#removed.delete(f);
      this.#added.set(f, Date.now());
    });
    room.on('memberLeft', (m: Member) => {
      const f = memberField(m.appId, m.roomId, m.userId);
      this.#added.delete(f);
      this.#removed.add(f);
    });
  }

  /** Runs a renewal now (one at a time; a kick during one runs one more after it). */
  #kick(): void {
    if (this.#closed || this.#queued) return;
    // a renewal waiting to start covers this kick too: it reads everything when it starts
    this.#queued = true;
    const run = async (): Promise<void> => {
      this.#queued = false;
      try {
        await this.#renew();
      } catch (e) {
        this.#resync = true;
        this.#log.debug('cluster renewal failed', { err: e });
      }
    };
    this.#tick = (this.#tick ?? Promise.resolve()).then(run);
  }

  /** This node's record with its current load. */
  #record(): NodeRecord {
    return { id: this.#config.nodeId, url: this.#url, draining: this.#draining, sysloadLimit: this.#config.sysloadLimit, startedAt: this.#startedAt, updatedAt: Date.now(), load: this.#load.sample() };
  }

  async #renew(): Promise<void> {
    if (this.#closed || !this.#store.ready) return;
    const lease = this.#config.leaseMs;
    const id = this.#config.nodeId;
    // our record vanished while we were cut off (lease over, or Redis restarted empty): write it all again
    if (!this.#resync && !(await this.#store.node(id))) this.#resync = true;
    const resync = this.#resync;
    this.#resync = false;
    await this.#store.register(this.#record(), lease);
    for (const [key, room] of [...this.#released]) {
      this.#released.delete(key);
      // created again meanwhile, or a join placed here is making it: the pin stays (a join placed
      // after this check sends its commands after the release on this one connection)
      if (this.#rooms?.room(room.appId, room.roomId) || this.#placing.has(key)) continue;
      await this.#store.release(room.appId, room.roomId, id);
    }
    await this.#claimRooms();
    if (resync) {
      const all = new Map<string, number>();
      for (const m of this.#rooms?.members() ?? []) all.set(memberField(m.appId, m.roomId, m.userId), Date.now());
      this.#added.clear();
      this.#removed.clear();
      await this.#store.replaceMembers(id, all, lease);
    } else if (this.#added.size > 0 || this.#removed.size > 0) {
      const add = new Map(this.#added);
      const remove = [...this.#removed];
      this.#added.clear();
      this.#removed.clear();
      await this.#store.members(id, add, remove, lease);
    }
    this.#view = await this.#store.nodes();
    if (!this.#wasReady) this.#log.info('registered in the cluster', { url: this.#url, nodes: this.#view.length });
    this.#wasReady = true;
  }

  /**
   * Checks the pins of the local rooms (every renewal): a missing pin (Redis restarted) or one
   * naming a dead node is taken back; a room another live node took (it found this node
   * unreachable, or while this node was cut off from Redis) is lost here.
   */
  async #claimRooms(): Promise<void> {
    const self = this.#config.nodeId;
    const rooms = this.#rooms ? localRooms(this.#rooms) : [];
    const holders = await this.#store.holders(rooms);
    for (const [i, room] of rooms.entries()) {
      if (holders[i] === self) continue;
      const holder = await this.#store.claim(room.appId, room.roomId, self);
      if (holder !== self) {
        this.#log.warn('a room of this node is held by another node now: its members move there', { appId: room.appId, roomId: room.roomId, holder });
        this.emit('roomLost', room.appId, room.roomId, holder);
      }
    }
  }

  /**
   * Where a room that is not on this node goes: this node, or another one the client is sent to.
   * The first join pins the room atomically; a pin naming a dead node is replaced.
   * @param avoid nodes the client could not reach: not chosen, and a pin naming one of them is
   *   replaced when the node does not answer our own check either
   * @param api the app's call errors are reported for
   * @throws RtcError `clusterUnavailable` when Redis cannot be reached or no node takes new rooms
   */
  async place(appId: string, roomId: string, avoid: readonly string[], api: string): Promise<Placement> {
    if (!this.#store.ready) throw new RtcError('clusterUnavailable', api, 'Redis is unreachable; rooms already running are not affected');
    const key = roomKey(appId, roomId);
    this.#placing.set(key, (this.#placing.get(key) ?? 0) + 1);
    let here = false;
    try {
      const where = await this.#place(appId, roomId, avoid, api);
      here = where.here;
      return where;
    } catch (e) {
      if (e instanceof RtcError) throw e;
      throw new RtcError('clusterUnavailable', api, `Redis: ${(e as Error).message}`);
    } finally {
      // not here: this call pinned nothing to this node
      if (!here) this.#settle(key);
    }
  }

  /**
   * The join {@link place} put here is done (the room was made, or the join failed): a pin left
   * without a room is removed.
   */
  placed(appId: string, roomId: string): void {
    this.#settle(roomKey(appId, roomId));
    if (!this.#rooms?.room(appId, roomId)) this.release(appId, roomId);
  }

  #settle(key: string): void {
    const n = (this.#placing.get(key) ?? 1) - 1;
    if (n > 0) this.#placing.set(key, n);
    else this.#placing.delete(key);
  }

  async #place(appId: string, roomId: string, avoid: readonly string[], api: string): Promise<Placement> {
    const self = this.#config.nodeId;
    const holder = await this.#store.holder(appId, roomId);
    if (holder === self && !this.#draining) return { here: true };
    let dead = holder === self ? self : '';
    if (holder && holder !== self) {
      const rec = await this.#store.node(holder);
      if (rec && !(avoid.includes(holder) && !(await answers(rec)))) return { here: false, node: { id: rec.id, url: rec.url } };
      if (rec) {
        this.#log.warn('a client could not reach the node of its room, nor can this node: taking the room over', { appId, roomId, holder });
        dead = holder;
      }
    }
    const nodes = (await this.#store.nodes()).filter((n) => n.id !== self && n.id !== dead);
    nodes.push(this.#record());
    const pick = selectNode(nodes, self, new Set(avoid));
    if (!pick) throw new RtcError('clusterUnavailable', api, 'no node takes new rooms now (all draining)');
    const got = await this.#store.pin(appId, roomId, pick.id, dead);
    if (got === self) return { here: true };
    const rec = nodes.find((n) => n.id === got) ?? (await this.#store.node(got));
    if (!rec) throw new RtcError('clusterUnavailable', api, `the room's node ${got} just went away; try again`);
    return { here: false, node: { id: rec.id, url: rec.url } };
  }

  /** What the join reply says of the cluster: this node, and the other live nodes that take rooms. */
  info(): ClusterInfo {
    const self = this.#config.nodeId;
    return { nodeId: self, nodes: this.#view.filter((n) => n.id !== self && !n.draining).map((n) => ({ id: n.id, url: n.url })) };
  }

  /** The cluster as of the last renewal, this node with its current load. */
  view(): ClusterView {
    const self = this.#record();
    const nodes = [self, ...this.#view.filter((n) => n.id !== self.id)];
    const sum = (f: (n: NodeRecord) => number) => nodes.reduce((s, n) => s + f(n), 0);
    return {
      nodeId: self.id,
      url: this.#url,
      redis: this.#store.ready ? 'ready' : 'down',
      draining: this.#draining,
      nodes,
      totals: {
        nodes: nodes.length,
        rooms: sum((n) => n.load.rooms),
        members: sum((n) => n.load.members),
        peers: sum((n) => n.load.peers),
        forwardedPps: sum((n) => n.load.forwardedPps),
        receivedPps: sum((n) => n.load.receivedPps),
      },
    };
  }

  /** Removes the room's pin soon if this node holds it and has no such room then (it closed, or its first join failed). */
  release(appId: string, roomId: string): void {
    this.#released.set(roomKey(appId, roomId), { appId, roomId });
    this.#kick();
  }

  /** Takes no new rooms from now on (SIGTERM); the others learn it at once. */
  async drain(): Promise<void> {
    this.#draining = true;
    this.#log.info('draining: no new rooms on this node');
    this.#kick();
    await this.#tick;
  }

  /** Gives up every pin of this node now (the end of a drain: its rooms go elsewhere on the members' rejoin). */
  async releaseAll(rooms: Iterable<Room>): Promise<void> {
    for (const room of rooms) await this.#store.release(room.appId, room.roomId, this.#config.nodeId).catch(() => undefined);
  }

  /** Leaves the cluster: the record and members are removed at once (a clean stop), Redis closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    // the last releases of rooms closed by the shutdown
    this.#kick();
    await this.#tick;
    this.#closed = true;
    if (this.#store.ready) await this.#store.unregister(this.#config.nodeId).catch(() => undefined);
    await this.#store.close();
  }
}

/** Whether `node` answers its `/healthz` as itself. */
async function answers(node: NodeRecord): Promise<boolean> {
  try {
    const res = await fetch(`${node.url.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await res.json()) as { cluster?: { nodeId?: unknown } };
    return res.ok && body.cluster?.nodeId === node.id;
  } catch {
    return false;
  }
}


/** The rooms of `rooms` (every room has a member: an empty room is closed). */
export function localRooms(rooms: RoomManager): Room[] {
  const out = new Set<Room>();
  for (const m of rooms.members()) {
    const room = rooms.room(m.appId, m.roomId);
    if (room) out.add(room);
  }
  return [...out];
}
const roomKey = (appId: string, roomId: string) => `${appId}\u0000${roomId}`;
