/**
 * The cluster's state in Redis, and every Redis command rtcroom sends. Keys (prefix `rtcroom:`):
 *
 * | key | type | what |
 * |---|---|---|
 * | `nodes` | set | ids of nodes that registered (an index; a node is live while its record exists) |
 * | `node:{id}` | string, leased | the node's JSON record ({@link NodeRecord}), renewed every second |
 * | `node:{id}:members` | hash, leased with the record | `appId roomId userId` → join time, one field per member of its rooms |
 * | `node:{id}:rooms` | hash, leased | `appId roomId` → the room's JSON summary for the admin API (`room-directory.ts`) |
 * | `room:{appId}:{roomId}` | string | the id of the node holding the room (the pin) |
 *
 * A node killed with `kill -9` stops renewing: its record and its members disappear when the
 * lease runs out; its pins stay until a join finds them naming a dead node and replaces them
 * (atomically, in a Lua script). One Redis (or a primary with replicas), not Redis Cluster: the
 * scripts read a node key named in a value.
 * @module
 */
import { Redis } from 'ioredis';
import { parseNodeRecord, type NodeRecord } from './node-record.ts';

const PREFIX = 'rtcroom:';
const NODES = `${PREFIX}nodes`;
const NODE = `${PREFIX}node:`;
const nodeKey = (id: string) => `${NODE}${id}`;
const membersKey = (id: string) => `${NODE}${id}:members`;
const roomsKey = (id: string) => `${NODE}${id}:rooms`;
const roomKey = (appId: string, roomId: string) => `${PREFIX}room:${appId}:${roomId}`;

/** The hash field of one member. */
export const memberField = (appId: string, roomId: string, userId: string): string => `${appId} ${roomId} ${userId}`;

/**
 * Pins the room to ARGV[1] unless it is pinned to a live node already (whose id it returns).
 * A pin naming ARGV[3] (a node found dead by a probe) is replaced even while its lease lasts.
 */
const PIN = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[3] and redis.call('EXISTS', ARGV[2] .. cur) == 1 then return cur end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** Takes the room back for ARGV[1] if the pin is missing, ours, or names a dead node; returns the holder. */
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. cur) == 1 then return cur end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** Removes the pin if it is ARGV[1]'s. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type ScriptFn = (key: string, ...args: string[]) => Promise<unknown>;

/** Options of the Redis connection. */
export interface StoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** A command not answered within this is failed (ms). */
  commandTimeoutMs: number;
}

/** The Redis side of the cluster. */
export class RedisStore {
  /** The ioredis client (emits `ready`, `end`, `error`). */
  readonly redis: Redis;
  readonly #scripts: Record<'pin' | 'claim' | 'release', ScriptFn>;
  /** Set once connected: from then on it reconnects for ever. */
  #connected = false;
  /** The last connection error, for the start-up message. */
  #lastError: Error | undefined;

  constructor(o: StoreOptions) {
    this.redis = new Redis(o.url, {
      lazyConnect: true,
      // fail at once while disconnected: a join must get its coded error, not wait
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs,
      connectTimeout: 2000,
      // at start one try (an unreachable Redis fails the start); later reconnect for ever, quickly at first
      retryStrategy: (times) => (this.#connected ? Math.min(100 * times, 1000) : null),
    });
    this.redis.on('error', (e: Error) => (this.#lastError = e));
    for (const [name, lua] of [['rtcroomPin', PIN], ['rtcroomClaim', CLAIM], ['rtcroomRelease', RELEASE]] as const) {
      this.redis.defineCommand(name, { numberOfKeys: 1, lua });
    }
    const fn = (name: string): ScriptFn => {
      const f = (this.redis as unknown as Record<string, ScriptFn>)[name];
      if (!f) throw new Error(`ioredis did not define ${name}`);
      return f.bind(this.redis);
    };
    this.#scripts = { pin: fn('rtcroomPin'), claim: fn('rtcroomClaim'), release: fn('rtcroomRelease') };
  }

  /** Connects once; rejects with the reason when Redis cannot be reached. */
  async connect(): Promise<void> {
    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (e) {
      throw this.#lastError ?? e;
    }
    this.#connected = true;
  }

  /** True while commands can be sent. */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Writes the node's record under a lease of `leaseMs`, and extends its members' lease. */
  async register(record: NodeRecord, leaseMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(nodeKey(record.id), JSON.stringify(record), 'PX', leaseMs)
      .sadd(NODES, record.id)
      .pexpire(membersKey(record.id), leaseMs)
      .exec();
  }

  /** Removes the node's record and members at once (a clean stop). */
  async unregister(id: string): Promise<void> {
    await this.redis.multi().del(nodeKey(id), membersKey(id), roomsKey(id)).srem(NODES, id).exec();
  }

  /** Every live node's record (nodes whose lease ran out are dropped from the index). */
  async nodes(): Promise<NodeRecord[]> {
    const ids = await this.redis.smembers(NODES);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map(nodeKey));
    const dead = ids.filter((_, i) => texts[i] === null);
    if (dead.length > 0) await this.redis.srem(NODES, ...dead);
    return texts.map(parseNodeRecord).filter((r): r is NodeRecord => r !== undefined);
  }

  /** One node's record, if it is live. */
  async node(id: string): Promise<NodeRecord | undefined> {
    return parseNodeRecord(await this.redis.get(nodeKey(id)));
  }

  /**
   * Pins the room to `candidate` unless a live node holds it; returns the holder's id.
   * @param deadId a node found dead by a probe: a pin naming it is replaced even while its lease lasts
   */
  async pin(appId: string, roomId: string, candidate: string, deadId = ''): Promise<string> {
    return String(await this.#scripts.pin(roomKey(appId, roomId), candidate, NODE, deadId));
  }

  /** Takes the room (back) for `self` unless another live node holds it; returns the holder's id. */
  async claim(appId: string, roomId: string, self: string): Promise<string> {
    return String(await this.#scripts.claim(roomKey(appId, roomId), self, NODE));
  }

  /** Removes the room's pin if `self` holds it. */
  async release(appId: string, roomId: string, self: string): Promise<void> {
    await this.#scripts.release(roomKey(appId, roomId), self);
  }

  /** The node holding the room, if pinned. */
  async holder(appId: string, roomId: string): Promise<string | undefined> {
    return (await this.redis.get(roomKey(appId, roomId))) ?? undefined;
  }

  /** The node holding each room (undefined where not pinned), in order. */
  async holders(rooms: readonly { appId: string; roomId: string }[]): Promise<(string | undefined)[]> {
    if (rooms.length === 0) return [];
    return (await this.redis.mget(rooms.map((r) => roomKey(r.appId, r.roomId)))).map((v) => v ?? undefined);
  }

  /** Adds (`joinedAt` set) or removes members of node `id`. */
  async members(id: string, add: Map<string, number>, remove: string[], leaseMs: number): Promise<void> {
    const m = this.redis.multi();
    if (remove.length > 0) m.hdel(membersKey(id), ...remove);
    if (add.size > 0) m.hset(membersKey(id), Object.fromEntries([...add].map(([k, v]) => [k, String(v)])));
    await m.pexpire(membersKey(id), leaseMs).exec();
  }

  /** Replaces every member of node `id` (after Redis came back). */
  async replaceMembers(id: string, all: Map<string, number>, leaseMs: number): Promise<void> {
    const m = this.redis.multi().del(membersKey(id));
    if (all.size > 0) m.hset(membersKey(id), Object.fromEntries([...all].map(([k, v]) => [k, String(v)])));
    await m.pexpire(membersKey(id), leaseMs).exec();
  }

  /**
   * Writes node `id`'s room summaries (field → JSON) under a lease of `leaseMs`; with `summaries`
   * undefined only the lease is extended. Resolves whether the hash exists after the call (an
   * empty hash never does).
   */
  async writeRooms(id: string, summaries: Map<string, string> | undefined, leaseMs: number): Promise<boolean> {
    const m = this.redis.multi();
    if (summaries) {
      m.del(roomsKey(id));
      if (summaries.size > 0) m.hset(roomsKey(id), Object.fromEntries(summaries));
    }
    const replies = (await m.pexpire(roomsKey(id), leaseMs).exec()) ?? [];
    return replies.at(-1)?.[1] === 1 || (summaries !== undefined && summaries.size === 0);
  }

  /** The room summaries of each node of `ids` (field → JSON), in order. */
  async readRooms(ids: readonly string[]): Promise<Record<string, string>[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(roomsKey(id));
    const replies = (await p.exec()) ?? [];
    return replies.map(([err, value]) => {
      if (err) throw err;
      return (value ?? {}) as Record<string, string>;
    });
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
