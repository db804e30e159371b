/**
 * Room recordings, as the main process keeps them: which room records now (one recording per
 * room at a time), the length cap, and the recordings on disk (one folder per recording under
 * the recordings folder, with the manifest the media side writes). The files themselves are
 * written where the room's media runs (in process or on its media worker), through `RoomMedia`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../log.ts';
import { readManifest, type RecordingFile, type RecordingManifest, type StopReason } from '../media/recording/manifest.ts';
import type { RoomMedia } from '../room/room-media.ts';
import type { Room } from '../room/room.ts';
import type { RoomManager } from '../room/room-manager.ts';

/** Recording settings. */
export interface RecordingConfig {
  /** Folder holding one folder per recording. */
  dir: string;
  /** A recording stops by itself after this many minutes (bounds disk use). */
  maxMinutes: number;
}

/** Default length cap (minutes). */
export const DEFAULT_MAX_RECORDING_MINUTES = 120;

/** What a recording id looks like: `rec_` and lowercase letters and digits. */
export const RECORDING_ID_PATTERN = /^rec_[0-9a-z]{8,40}$/;

/** A recording in the API's answers: its manifest, `interrupted` when it was cut off (a restart, a crashed worker). */
export interface RecordingView extends Omit<RecordingManifest, 'status'> {
  status: 'recording' | 'stopped' | 'interrupted';
}

/** A file ready to be sent. */
export interface RecordingFileRef {
  path: string;
  size: number;
  file: RecordingFile;
}

interface Active {
  id: string;
  room: Room;
  media: RoomMedia;
  timer: NodeJS.Timeout;
}

const roomKey = (appId: string, roomId: string): string => `${appId}\u0000${roomId}`;

/** A new recording id: time-ordered, then random. */
function newId(): string {
  return `rec_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

/** Thrown by {@link Recordings.start} when the room records already. */
export class AlreadyRecordingError extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`the room is being recorded already (${id})`);
    this.name = 'AlreadyRecordingError';
    this.id = id;
  }
}

/** The recordings of this server. */
export class Recordings {
  readonly config: RecordingConfig;
  readonly #media: (room: Room) => RoomMedia;
  readonly #log: Logger;
  readonly #active = new Map<string, Active>();

  /** @param media the room's media, created if it has none yet */
  constructor(config: RecordingConfig, rooms: RoomManager, media: (room: Room) => RoomMedia, log: Logger) {
    this.config = { ...config, dir: resolve(config.dir) };
    this.#media = media;
    this.#log = log;
    // the media stops its recording itself when the room closes (reason `room_closed`)
    rooms.on('roomClosed', (room) => this.#forget(roomKey(room.appId, room.roomId)));
  }

  #forget(key: string): Active | undefined {
    const a = this.#active.get(key);
    if (!a) return undefined;
    clearTimeout(a.timer);
    this.#active.delete(key);
    return a;
  }

  /** Starts recording `room`; throws {@link AlreadyRecordingError} when it records already. */
  async start(room: Room): Promise<RecordingView> {
    const key = roomKey(room.appId, room.roomId);
    const running = this.#active.get(key);
    if (running) throw new AlreadyRecordingError(running.id);
    const media = this.#media(room);
    const id = newId();
    const dir = join(this.config.dir, id);
    const startedAt = Date.now();
    const timer = setTimeout(() => void this.#stopActive(key, 'limit'), this.config.maxMinutes * 60_000);
    timer.unref();
    // taken before the first await: a second start meanwhile gets 409
    this.#active.set(key, { id, room, media, timer });
    try {
      await media.startRecording({ id, dir, appId: room.appId, roomId: room.roomId, startedAt });
    } catch (e) {
      this.#forget(key);
      throw e;
    }
    this.#log.info('recording started', { appId: room.appId, roomId: room.roomId, recording: id });
    return (await this.get(room.appId, room.roomId, id))!;
  }

  async #stopActive(key: string, reason: StopReason): Promise<void> {
    const a = this.#forget(key);
    if (!a) return;
    try {
      await a.media.stopRecording(a.id, reason);
    } catch (e) {
      this.#log.warn('recording did not stop cleanly', { recording: a.id, err: e });
    }
    this.#log.info('recording stopped', { appId: a.room.appId, roomId: a.room.roomId, recording: a.id, reason });
  }

  /**
   * Stops recording `id` of the room; a recording that stopped already is answered as it is.
   * Undefined when the room has no recording `id`.
   */
  async stop(appId: string, roomId: string, id: string): Promise<RecordingView | undefined> {
    const key = roomKey(appId, roomId);
    if (this.#active.get(key)?.id === id) await this.#stopActive(key, 'api');
    return this.get(appId, roomId, id);
  }

  /** One recording of the room, or undefined. */
  async get(appId: string, roomId: string, id: string): Promise<RecordingView | undefined> {
    if (!RECORDING_ID_PATTERN.test(id)) return undefined;
    const m = await readManifest(join(this.config.dir, id));
    if (!m || m.appId !== appId || m.roomId !== roomId) return undefined;
    return this.#view(m);
  }

  #view(m: RecordingManifest): RecordingView {
    const live = this.#active.get(roomKey(m.appId, m.roomId));
    const status = m.status === 'recording' && live?.id !== m.id ? 'interrupted' : m.status;
    return { ...m, status };
  }

  /** The room's recordings, running and finished, oldest first. */
  async list(appId: string, roomId: string): Promise<RecordingView[]> {
    let names: string[];
    try {
      names = await readdir(this.config.dir);
    } catch {
      return [];
    }
    const out: RecordingView[] = [];
    for (const name of names.filter((n) => RECORDING_ID_PATTERN.test(n)).sort()) {
      const m = await readManifest(join(this.config.dir, name));
      if (m && m.id === name && m.appId === appId && m.roomId === roomId) out.push(this.#view(m));
    }
    return out;
  }

  /** A file of a recording, by the name its manifest lists (nothing else is ever served). */
  async file(appId: string, roomId: string, id: string, name: string): Promise<RecordingFileRef | undefined> {
    const r = await this.get(appId, roomId, id);
    const file = r?.files.find((f) => f.name === name);
    if (!file) return undefined;
    const path = join(this.config.dir, id, file.name);
    try {
      const s = await stat(path);
      return s.isFile() ? { path, size: s.size, file } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the room records now. */
  recordingOf(appId: string, roomId: string): string | undefined {
    return this.#active.get(roomKey(appId, roomId))?.id;
  }

  /** Stops every running recording (the server stops); resolves once their files are finished. */
  async close(): Promise<void> {
    await Promise.all([...this.#active.keys()].map((k) => this.#stopActive(k, 'shutdown')));
  }
}
