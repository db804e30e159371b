/**
 * Writes usage records from the room activity stream: a call per room from its first join to its
 * last leave, a session per member stay with the sources it published. Writes go through one
 * promise chain (in order, never awaited by signaling or media); a failed write is logged and
 * the next ones go on. A heartbeat marks the node alive, which bounds what a crash can lose.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { RoomActivity } from '../ops/room-activity.ts';
import type { UsageStore } from './store.ts';

/** How often the node marks itself alive (ms): a crash loses at most this much of its open calls. */
export const DEFAULT_ALIVE_EVERY_MS = 10_000;

/** Room events mark the node alive too, at most this often (ms). */
const ALIVE_WITH_EVENTS_MS = 1000;

const roomKey = (appId: string, roomId: string) => `${appId}\u0000${roomId}`;
const memberKey = (appId: string, roomId: string, userId: string) => `${appId}\u0000${roomId}\u0000${userId}`;

/** Records calls and sessions of one node into a store. */
export class UsageRecorder {
  readonly #store: UsageStore;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #calls = new Map<string, string>();
  readonly #sessions = new Map<string, string>();
  readonly #alive: NodeJS.Timeout;
  #chain: Promise<void> = Promise.resolve();
  #aliveAt = 0;
  #closed = false;

  readonly #release: () => void;

  /** @param release called once the store is closed (frees the node id's lock) */
  constructor(store: UsageStore, nodeId: string, activity: RoomActivity, log: Logger, aliveEveryMs = DEFAULT_ALIVE_EVERY_MS, release: () => void = () => undefined) {
    this.#store = store;
    this.#release = release;
    this.#nodeId = nodeId;
    this.#log = log;
    activity.on('roomStarted', (e) => {
      const id = randomUUID();
      this.#calls.set(roomKey(e.appId, e.roomId), id);
      this.#write('start call', () => store.startCall({ id, nodeId, appId: e.appId, roomId: e.roomId, startedAt: e.startedAt }));
    });
    activity.on('roomFinished', (e) => {
      const k = roomKey(e.appId, e.roomId);
      const id = this.#calls.get(k);
      if (!id) return;
      this.#calls.delete(k);
      this.#write('end call', () => store.endCall(id, e.endedAt));
    });
    activity.on('memberJoined', (e) => {
      const callId = this.#calls.get(roomKey(e.appId, e.roomId));
      if (!callId) return;
      const id = randomUUID();
      this.#sessions.set(memberKey(e.appId, e.roomId, e.userId), id);
      this.#write('start session', () => store.startSession({ id, callId, userId: e.userId, joinedAt: e.joinedAt }));
    });
    activity.on('memberLeft', (e) => {
      const k = memberKey(e.appId, e.roomId, e.userId);
      const id = this.#sessions.get(k);
      if (!id) return;
      this.#sessions.delete(k);
      this.#write('end session', () => store.endSession(id, e.leftAt, e.published));
    });
    this.#markAlive(Date.now());
    this.#alive = setInterval(() => this.#markAlive(Date.now()), aliveEveryMs);
    this.#alive.unref();
  }

  #write(what: string, op: () => Promise<void>): void {
    if (this.#closed) return;
    this.#chain = this.#chain.then(op).catch((err: unknown) => this.#log.error('usage record not written', { what, err }));
    // activity proves life too: a crash right after a join loses at most a second of it
    const now = Date.now();
    if (what !== 'mark alive' && now - this.#aliveAt >= ALIVE_WITH_EVENTS_MS) this.#markAlive(now);
  }

  #markAlive(now: number): void {
    this.#aliveAt = now;
    this.#write('mark alive', () => this.#store.alive(this.#nodeId, now));
  }

  /** Waits for the writes so far (tests, shutdown). */
  flush(): Promise<void> {
    return this.#chain;
  }

  /** Ends what is still open at `now` (members kept for a resume at shutdown), writes, and closes the store. */
  async close(now = Date.now()): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#alive);
    for (const id of this.#sessions.values()) this.#write('end session', () => this.#store.endSession(id, now, []));
    for (const id of this.#calls.values()) this.#write('end call', () => this.#store.endCall(id, now));
    this.#write('mark alive', () => this.#store.alive(this.#nodeId, now));
    this.#closed = true;
    this.#sessions.clear();
    this.#calls.clear();
    await this.#chain;
    try {
      await this.#store.close();
    } finally {
      this.#release();
    }
  }
}
