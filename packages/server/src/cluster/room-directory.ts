/**
 * The cluster's room directory for the admin API: every node writes a summary of each of its
 * rooms (the admin API's room answer) to `node:{id}:rooms` in Redis every renewal, under the same
 * lease as its record, so any node can list the rooms of every live node without asking them; and
 * any node can find the live node holding a room (its pin) to forward an action to it.
 * @module
 */
import type { NodeRecord } from './node-record.ts';
import type { RedisStore } from './redis-store.ts';

/** One room as its node reports it: the app, the room and its JSON-able summary. */
export interface RoomEntry {
  appId: string;
  roomId: string;
  summary: object;
}

/** A summary read back from Redis (not checked: the reader validates it). */
export interface RemoteRoom {
  /** The node holding the room. */
  node: string;
  roomId: string;
  summary: unknown;
}

/** Timing of the directory: the node's lease and how often it is renewed (ms). */
export interface DirectoryTiming {
  leaseMs: number;
  renewMs: number;
}

const field = (appId: string, roomId: string) => `${appId} ${roomId}`;

/** This node's part of the room directory, and reads of the other nodes' parts. */
export class RoomDirectory {
  readonly #store: RedisStore;
  readonly #self: string;
  readonly #timing: DirectoryTiming;
  readonly #summarize: () => Iterable<RoomEntry>;
  #timer: NodeJS.Timeout | undefined;
  /** What was last written (to write only changes; the lease is extended otherwise). */
  #last: string | undefined;
  #busy = false;

  /**
   * @param self this node's id
   * @param summarize this node's rooms, read every renewal
   */
  constructor(store: RedisStore, self: string, timing: DirectoryTiming, summarize: () => Iterable<RoomEntry>) {
    this.#store = store;
    this.#self = self;
    this.#timing = timing;
    this.#summarize = summarize;
  }

  /** Starts writing this node's rooms every renewal. */
  start(): void {
    this.#timer = setInterval(() => void this.#write(), this.#timing.renewMs);
    this.#timer.unref();
    void this.#write();
  }

  /** Stops writing (the record's removal at a clean stop removes the summaries too). */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #write(): Promise<void> {
    if (this.#busy || !this.#store.ready) return;
    this.#busy = true;
    try {
      const map = new Map<string, string>();
      for (const r of this.#summarize()) map.set(field(r.appId, r.roomId), JSON.stringify(r.summary));
      const text = JSON.stringify([...map]);
      const lease = this.#timing.leaseMs;
      // unchanged: extend the lease; a hash gone meanwhile (Redis restarted, lease lapsed) is written again
      if (text !== this.#last || (map.size > 0 && !(await this.#store.writeRooms(this.#self, undefined, lease)))) await this.#store.writeRooms(this.#self, map, lease);
      this.#last = text;
    } catch {
      // Redis away: written again in full once it is back
      this.#last = undefined;
    } finally {
      this.#busy = false;
    }
  }

  /** The rooms of `appId` on every other live node (as of their last renewal, at most a second old). */
  async roomsOf(appId: string): Promise<RemoteRoom[]> {
    const nodes = (await this.#store.nodes()).filter((n) => n.id !== this.#self);
    const hashes = await this.#store.readRooms(nodes.map((n) => n.id));
    const prefix = `${appId} `;
    const out: RemoteRoom[] = [];
    for (const [i, hash] of hashes.entries()) {
      for (const [key, json] of Object.entries(hash)) {
        if (!key.startsWith(prefix)) continue;
        let summary: unknown;
        try {
          summary = JSON.parse(json);
        } catch {
          continue;
        }
        out.push({ node: nodes[i]!.id, roomId: key.slice(prefix.length), summary });
      }
    }
    return out;
  }

  /** The live node other than this one holding the room; undefined when none (not pinned, pinned here, or its node is gone). */
  async nodeOf(appId: string, roomId: string): Promise<NodeRecord | undefined> {
    const holder = await this.#store.holder(appId, roomId);
    if (holder === undefined || holder === this.#self) return undefined;
    return this.#store.node(holder);
  }
}
