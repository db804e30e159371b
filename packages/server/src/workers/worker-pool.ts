/**
 * The media workers of the main process (`rtcroom serve --workers N`, N ≥ 2): starts them, places
 * each new room's media on the least loaded one (`placement.ts`), routes their messages to the
 * rooms, restarts a worker that died (with back-off; the rooms it hosted are lost and their
 * members rejoin, see `JoinService`), kills one that stopped answering, and stops them all on
 * shutdown.
 * @module
 */
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Room } from '../room/room.ts';
import { stallAwareSweep } from '../signal/stall-aware.ts';
import { sumCounts, type MediaCounts } from '../media/metrics.ts';
import { pickWorker } from './placement.ts';
import { portSlice } from './port-slices.ts';
import type { WorkerConfig, WorkerToMain } from './protocol.ts';
import { RemoteRoomMedia } from './remote-room-media.ts';
import { WorkerHandle, type WorkerState } from './worker-handle.ts';

/** First restart delay after a crash (ms); doubles per crash in a row. */
export const RESTART_MIN_MS = 200;
/** Longest restart delay (ms). */
export const RESTART_MAX_MS = 10_000;
/** A worker that ran this long before dying restarts at once again (its crashes are not "in a row"). */
export const RESTART_RESET_AFTER_MS = 30_000;
/** A ready worker silent this long (it reports twice a second) is killed as hung. */
export const HUNG_AFTER_MS = 10_000;

/** One worker in `/healthz`. */
export interface WorkerHealth {
  index: number;
  state: WorkerState;
  pid: number | undefined;
  restarts: number;
  /** Rooms placed on it, and their members (the main process's count). */
  rooms: number;
  members: number;
  /** From its last load report. */
  peers: number;
  producers: number;
  consumers: number;
  forwardedPps: number;
  receivedPps: number;
  loopLagMs: number;
  rssBytes: number;
}

/** Media counts over every worker (the `media` of `/healthz`). */
export type MediaTotals = MediaCounts;

/** Options of {@link WorkerPool}, for tests. */
export interface WorkerPoolOptions {
  /** The worker entry file. */
  entry?: string;
}

/** The configuration of worker `index` of `count`. */
export function workerConfig(config: ServerConfig, count: number, index: number): WorkerConfig {
  const m = config.media;
  const media: WorkerConfig['media'] = {};
  if (m.iceAddress !== undefined) media.iceAddress = m.iceAddress;
  if (m.announcedAddress !== undefined) media.announcedAddress = m.announcedAddress;
  if (m.portRange) media.portRange = portSlice(m.portRange, count, index);
  if (m.testSubscriberLossPercent !== undefined) media.testSubscriberLossPercent = m.testSubscriberLossPercent;
  if (m.opusDtx !== undefined) media.opusDtx = m.opusDtx;
  return { index, media, speakers: { ...config.speakers }, audioSelection: { ...config.audioSelection }, logLevel: config.logLevel, native: config.native };
}

/** Every media worker of the process. */
export class WorkerPool {
  readonly #workers: WorkerHandle[];
  readonly #log: Logger;
  /** Rooms by ref, with the callback that tells their members. */
  readonly #rooms = new Map<number, { media: RemoteRoomMedia; lost: (reason: string) => void }>();
  readonly #crashesInARow: number[];
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  readonly #watchdog: NodeJS.Timeout;
  #nextRef = 1;
  #closing = false;

  /** Starts `count` workers (they become ready in the background; see {@link WorkerPool.ready}). */
  constructor(config: ServerConfig, count: number, log: Logger, opts: WorkerPoolOptions = {}) {
    this.#log = log;
    this.#workers = Array.from({ length: count }, (_, i) => new WorkerHandle(workerConfig(config, count, i), log, opts.entry));
    this.#crashesInARow = this.#workers.map(() => 0);
    for (const w of this.#workers) {
      w.on('message', (msg) => this.#onMessage(w, msg));
      w.on('exit', (code, signal) => this.#onExit(w, code, signal));
      w.start();
    }
    this.#watchdog = stallAwareSweep(
      1000,
      (now) => this.#workers.filter((w) => w.state === 'ready' && now - w.lastMessageAt > HUNG_AFTER_MS),
      (w) => {
        if (w.state !== 'ready' || performance.now() - w.lastMessageAt <= HUNG_AFTER_MS) return;
        this.#log.error('media worker stopped answering: killed', { worker: w.index, pid: w.pid, silentMs: Math.round(performance.now() - w.lastMessageAt) });
        w.kill('SIGKILL');
      },
    );
  }

  /** Resolves once every worker is ready; rejects after `timeoutMs`. */
  async ready(timeoutMs = 20_000): Promise<void> {
    const waits = this.#workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.state === 'ready') return resolve();
          const done = () => {
            w.off('ready', done);
            resolve();
          };
          w.on('ready', done);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`media workers not ready after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(waits), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  #roomsOn(w: WorkerHandle): { rooms: number; members: number } {
    let rooms = 0;
    let members = 0;
    for (const { media } of this.#rooms.values()) {
      if (media.worker !== w.index) continue;
      rooms++;
      members += media.memberCount;
    }
    return { rooms, members };
  }

  /**
   * Places `room`'s media on the least loaded ready worker. `lost` is called if that worker dies.
   * Throws when no worker is ready.
   */
  createMedia(room: Room, lost: (reason: string) => void): RemoteRoomMedia {
    const at = pickWorker(
      this.#workers.map((w) => ({
        index: w.index,
        ready: w.state === 'ready',
        pps: (w.load?.forwardedPps ?? 0) + (w.load?.receivedPps ?? 0),
        peers: w.load?.peers ?? 0,
        ...this.#roomsOn(w),
      })),
    );
    if (at === undefined) throw new Error('no media worker is running (restarting after a crash)');
    const ref = this.#nextRef++;
    const media = new RemoteRoomMedia(ref, room, this.#workers[at]!);
    const entry = { media, lost };
    this.#rooms.set(ref, entry);
    room.on('closed', () => {
      if (this.#rooms.get(ref) === entry) this.#rooms.delete(ref);
    });
    this.#log.debug('room placed', { appId: room.appId, roomId: room.roomId, worker: at, ref });
    return media;
  }

  #onMessage(w: WorkerHandle, msg: WorkerToMain): void {
    switch (msg.type) {
      case 'toMember':
      case 'publications':
      case 'activeSpeakers': {
        const r = this.#rooms.get(msg.room);
        if (r && r.media.worker === w.index) r.media.onWorkerMessage(msg);
        return;
      }
      case 'activity': {
        const byRoom = new Map<number, Map<number, number>>();
        for (const [room, member, at] of msg.entries) {
          let m = byRoom.get(room);
          if (!m) byRoom.set(room, (m = new Map()));
          m.set(member, at);
        }
        for (const [ref, r] of this.#rooms) if (r.media.worker === w.index) r.media.setActivity(byRoom.get(ref) ?? new Map());
        return;
      }
      default:
        return;
    }
  }

  #onExit(w: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    const lost = [...this.#rooms].filter(([, r]) => r.media.worker === w.index);
    if (this.#closing) return;
    this.#log.error('media worker died: its rooms are lost, it restarts', { worker: w.index, code, signal, rooms: lost.length });
    const reason = `media worker ${w.index} stopped (${signal ?? `exit ${code}`})`;
    for (const [ref, r] of lost) {
      this.#rooms.delete(ref);
      r.media.lost();
      r.lost(reason);
    }
    const ranMs = performance.now() - w.startedAt;
    const i = w.index;
    this.#crashesInARow[i] = ranMs >= RESTART_RESET_AFTER_MS ? 1 : this.#crashesInARow[i]! + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (this.#crashesInARow[i]! - 1));
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (!this.#closing) w.start();
    }, delay);
    this.#restartTimers.add(timer);
  }

  /** Per-worker figures for `/healthz`. */
  health(): WorkerHealth[] {
    return this.#workers.map((w) => ({
      index: w.index,
      state: w.state,
      pid: w.pid,
      restarts: w.restarts,
      ...this.#roomsOn(w),
      peers: w.load?.peers ?? 0,
      producers: w.load?.producers ?? 0,
      consumers: w.load?.consumers ?? 0,
      forwardedPps: w.load?.forwardedPps ?? 0,
      receivedPps: w.load?.receivedPps ?? 0,
      loopLagMs: w.load?.loopLagMs ?? 0,
      rssBytes: w.load?.rssBytes ?? 0,
    }));
  }

  /** Media counts summed over the workers' last reports. */
  totals(): MediaTotals {
    return sumCounts(this.#workers.flatMap((w) => (w.load ? [w.load] : [])));
  }

  /** Each worker's media counters from its last report (undefined before one, or while it restarts). */
  counts(): (MediaCounts | undefined)[] {
    return this.#workers.map((w) => w.load);
  }

  /** Stops every worker (`shutdown`, then SIGKILL after `graceMs`); no restarts from now on. */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    clearInterval(this.#watchdog);
    for (const t of this.#restartTimers) clearTimeout(t);
    this.#restartTimers.clear();
    for (const w of this.#workers) w.send({ type: 'shutdown' });
    const kill = setTimeout(() => {
      for (const w of this.#workers) w.kill('SIGKILL');
    }, graceMs);
    await Promise.all(this.#workers.map((w) => w.exited()));
    clearTimeout(kill);
  }
}
