/**
 * One recording of one room on the media side: a {@link TrackRecorder} per publication of every
 * track (a republish, or a publisher that reconnects, starts the next file of that track), and
 * the manifest that lists them, rewritten as files come and go and every few seconds.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import type { Producer } from '../producer.ts';
import { writeManifest, type RecordingManifest, type RecordingSpec, type StopReason } from './manifest.ts';
import { TrackRecorder } from './track-recorder.ts';

/** How often the manifest is refreshed while recording (ms): durations and sizes move. */
const MANIFEST_EVERY_MS = 2000;

/** One room's recording. */
export class RoomRecorder {
  readonly spec: RecordingSpec;
  readonly #log: Logger;
  readonly #tracks = new Map<Producer, TrackRecorder>();
  /** Files made per `userId-source`, for the next file's number. */
  readonly #counts = new Map<string, number>();
  readonly #manifest: RecordingManifest;
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped: Promise<RecordingManifest> | undefined;

  constructor(spec: RecordingSpec, log: Logger) {
    this.spec = spec;
    this.#log = log.child({ recording: spec.id });
    this.#manifest = { id: spec.id, appId: spec.appId, roomId: spec.roomId, status: 'recording', startedAt: new Date(spec.startedAt).toISOString(), files: [] };
  }

  /** Creates the folder, writes the first manifest, starts on the tracks published now. */
  async start(active: Iterable<Producer>): Promise<void> {
    await mkdir(this.spec.dir, { recursive: true });
    await writeManifest(this.spec.dir, this.#manifest);
    for (const p of active) this.published(p, true);
    this.#timer = setInterval(() => this.#save(), MANIFEST_EVERY_MS);
    this.#timer.unref();
    this.#log.info('recording started', { dir: this.spec.dir });
  }

  /** A producer started (`true`) or stopped being forwarded. */
  published(p: Producer, active: boolean): void {
    if (this.#stopped) return;
    const t = this.#tracks.get(p);
    if (!active) {
      if (!t) return;
      this.#tracks.delete(p);
      void t.stop().then(() => this.#save());
      return;
    }
    if (t) return;
    const key = `${p.userId}-${p.source}`;
    const nameFor = () => {
      const n = (this.#counts.get(key) ?? 0) + 1;
      this.#counts.set(key, n);
      return `${key}-${n}`;
    };
    this.#tracks.set(
      p,
      new TrackRecorder(p, this.spec.dir, this.spec.startedAt, nameFor, (f) => {
        this.#manifest.files.push(f);
        this.#save();
      }),
    );
  }

  /** Rewrites the manifest (after the writes queued before it). */
  #save(): Promise<void> {
    const snapshot = JSON.parse(JSON.stringify(this.#manifest)) as RecordingManifest;
    this.#writing = this.#writing.then(() => writeManifest(this.spec.dir, snapshot)).catch((e: unknown) => this.#log.warn('recording manifest not written', { err: e }));
    return this.#writing;
  }

  /** Stops every track, closes the files, writes the final manifest. Idempotent. */
  stop(reason: StopReason): Promise<RecordingManifest> {
    this.#stopped ??= (async () => {
      clearInterval(this.#timer);
      const tracks = [...this.#tracks.values()];
      this.#tracks.clear();
      await Promise.all(tracks.map((t) => t.stop()));
      this.#manifest.status = 'stopped';
      this.#manifest.stoppedAt = new Date().toISOString();
      this.#manifest.stopReason = reason;
      await this.#save();
      this.#log.info('recording stopped', { reason, files: this.#manifest.files.length });
      return this.#manifest;
    })();
    return this.#stopped;
  }
}

/** The recordings of one room's router (the main process allows one at a time per room). */
export class RoomRecordings {
  readonly #log: Logger;
  readonly #active = new Map<string, RoomRecorder>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Starts recording `spec` on the producers active now. */
  async start(spec: RecordingSpec, active: Iterable<Producer>): Promise<void> {
    if (this.#active.has(spec.id)) return;
    const r = new RoomRecorder(spec, this.#log);
    this.#active.set(spec.id, r);
    try {
      await r.start(active);
    } catch (e) {
      this.#active.delete(spec.id);
      await r.stop('api');
      throw e;
    }
  }

  /** Stops recording `id` (nothing if it is not running); resolves once its files are closed. */
  async stop(id: string, reason: StopReason): Promise<void> {
    const r = this.#active.get(id);
    if (!r) return;
    this.#active.delete(id);
    await r.stop(reason);
  }

  /** A producer started or stopped being forwarded. */
  published(p: Producer, active: boolean): void {
    for (const r of this.#active.values()) r.published(p, active);
  }

  /** The room closed: every recording stops (files are finished in the background). */
  closeAll(): void {
    for (const id of [...this.#active.keys()]) void this.stop(id, 'room_closed');
  }
}
