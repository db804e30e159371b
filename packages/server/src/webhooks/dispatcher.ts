/**
 * Delivery of webhook events to one receiver URL: one queue per room, so each room's events
 * arrive in order while rooms do not wait for each other; one request in flight per room; failed
 * deliveries retried with back-off until they succeed or run out of attempts; a bounded backlog
 * (the oldest waiting event is dropped first when a receiver stays down). Nothing here is awaited
 * by signaling or media: `enqueue` returns at once.
 * @module
 */
import { retryDelay, type BackoffOptions } from './backoff.ts';

/** Tuning of a dispatcher. */
export interface DispatchOptions extends BackoffOptions {
  /** Attempts per event, the first included; then it is given up. */
  maxAttempts: number;
  /** Events waiting for this receiver, all rooms together; beyond it the oldest is dropped. */
  queueLimit: number;
}

/** One event to deliver. */
export interface Delivery {
  /** Event id (for logs). */
  id: string;
  /** The room queue it joins. */
  roomKey: string;
  /** The raw body (signed as is). */
  body: string;
}

/** Sends one request; resolves with whether the receiver took it (2xx). Must not throw. */
export type SendFn = (d: Delivery) => Promise<{ ok: boolean; detail: string }>;

/** What a dispatcher reports. */
export interface DispatchHooks {
  /** An attempt ended: `ok`, `failed` (will be retried) or `gave_up`. */
  attempt(result: 'ok' | 'failed' | 'gave_up', d: Delivery, detail: string, attempts: number): void;
  /** An event was dropped from a full backlog. */
  dropped(d: Delivery): void;
  /** The number of waiting events changed by `delta`. */
  queued(delta: number): void;
}

interface RoomQueue {
  readonly items: Delivery[];
  /** An item at the head is being sent (or waits for its retry). */
  busy: boolean;
}

/** Delivers events to one URL. */
export class Dispatcher {
  readonly #send: SendFn;
  readonly #o: DispatchOptions;
  readonly #hooks: DispatchHooks;
  readonly #rooms = new Map<string, RoomQueue>();
  /** Waiting deliveries (not the ones being sent), oldest first: the drop order. */
  readonly #waiting = new Set<Delivery>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(send: SendFn, o: DispatchOptions, hooks: DispatchHooks) {
    this.#send = send;
    this.#o = o;
    this.#hooks = hooks;
  }

  /** Events waiting or in flight. */
  get backlog(): number {
    let n = 0;
    for (const q of this.#rooms.values()) n += q.items.length;
    return n;
  }

  /** Queues `d` behind its room's earlier events. Never blocks. */
  enqueue(d: Delivery): void {
    if (this.#closed) return;
    let q = this.#rooms.get(d.roomKey);
    if (!q) this.#rooms.set(d.roomKey, (q = { items: [], busy: false }));
    q.items.push(d);
    this.#waiting.add(d);
    this.#hooks.queued(1);
    if (!q.busy) this.#next(d.roomKey, q);
    while (this.#waiting.size > this.#o.queueLimit) this.#dropOldest();
  }

  #dropOldest(): void {
    const oldest = this.#waiting.values().next().value;
    if (!oldest) return;
    this.#waiting.delete(oldest);
    const q = this.#rooms.get(oldest.roomKey);
    const at = q ? q.items.indexOf(oldest) : -1;
    if (q && at >= 0) q.items.splice(at, 1);
    this.#hooks.queued(-1);
    this.#hooks.dropped(oldest);
  }

  /** Starts sending the head of `q`. */
  #next(roomKey: string, q: RoomQueue): void {
    const d = q.items[0];
    if (!d || this.#closed) {
      if (q.items.length === 0) this.#rooms.delete(roomKey);
      q.busy = false;
      return;
    }
    q.busy = true;
    this.#waiting.delete(d);
    void this.#attempt(roomKey, q, d, 1);
  }

  async #attempt(roomKey: string, q: RoomQueue, d: Delivery, n: number): Promise<void> {
    const r = await this.#send(d);
    if (this.#closed) return;
    if (r.ok || n >= this.#o.maxAttempts) {
      this.#hooks.attempt(r.ok ? 'ok' : 'gave_up', d, r.detail, n);
      q.items.shift();
      this.#hooks.queued(-1);
      return this.#next(roomKey, q);
    }
    this.#hooks.attempt('failed', d, r.detail, n);
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) void this.#attempt(roomKey, q, d, n + 1);
    }, retryDelay(n, this.#o));
    t.unref();
    this.#timers.add(t);
  }

  /** Stops: no more attempts; returns how many events were left undelivered. */
  close(): number {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const left = this.backlog;
    this.#rooms.clear();
    this.#waiting.clear();
    return left;
  }
}
