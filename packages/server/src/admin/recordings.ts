/**
 * The admin API's recording resources: start and stop a room's recording, list a room's
 * recordings (running and finished, with their files), download a file.
 * @module
 */
import type { AppRegistry } from '../apps/registry.ts';
import { AlreadyRecordingError, RECORDING_ID_PATTERN, type RecordingFileRef, type RecordingView, type Recordings } from '../recording/recordings.ts';
import type { RoomManager } from '../room/room-manager.ts';
import { AdminError } from './errors.ts';
import { checkId, parseBody, recordingBodySchema } from './validation.ts';

/** A file answer: the admin API streams it instead of answering JSON. */
export class FileAnswer {
  readonly ref: RecordingFileRef;
  constructor(ref: RecordingFileRef) {
    this.ref = ref;
  }
}

/** What the recording handlers use. */
export interface RecordingsDeps {
  apps: AppRegistry;
  rooms: RoomManager;
  /** Undefined: recording is off on this server. */
  recordings: Recordings | undefined;
}

/** Path parameters of the recording routes. */
export interface RecordingPath {
  appId: string;
  roomId?: string;
  id?: string;
  name?: string;
}

/** The recording handlers. */
export class RecordingsApi {
  readonly #d: RecordingsDeps;

  constructor(deps: RecordingsDeps) {
    this.#d = deps;
  }

  #check(p: RecordingPath): { rec: Recordings; appId: string; roomId: string } {
    if (!this.#d.apps.get(p.appId)) throw new AdminError('unknown_app', `no app ${JSON.stringify(p.appId.slice(0, 64))} on this server`);
    const roomId = checkId('roomId', p.roomId ?? '');
    const rec = this.#d.recordings;
    if (!rec) throw new AdminError('recording_disabled', 'recording is off on this server');
    return { rec, appId: p.appId, roomId };
  }

  #id(p: RecordingPath): string {
    const id = p.id ?? '';
    if (!RECORDING_ID_PATTERN.test(id)) throw new AdminError('unknown_recording', `no recording ${JSON.stringify(id.slice(0, 64))} (ids look like rec_…)`);
    return id;
  }

  /** `POST …/rooms/{roomId}/recordings` */
  async start(p: RecordingPath, body: string): Promise<RecordingView> {
    const { rec, appId, roomId } = this.#check(p);
    parseBody(recordingBodySchema, body, false);
    const room = this.#d.rooms.room(appId, roomId);
    if (!room) throw new AdminError('unknown_room', `room ${roomId} has no members now`);
    try {
      return await rec.start(room);
    } catch (e) {
      if (e instanceof AlreadyRecordingError) throw new AdminError('already_recording', e.message);
      throw e;
    }
  }

  /** `POST …/recordings/{id}/stop` */
  async stop(p: RecordingPath): Promise<RecordingView> {
    const { rec, appId, roomId } = this.#check(p);
    const id = this.#id(p);
    const r = await rec.stop(appId, roomId, id);
    if (!r) throw new AdminError('unknown_recording', `room ${roomId} has no recording ${id}`);
    return r;
  }

  /** `GET …/rooms/{roomId}/recordings` */
  async list(p: RecordingPath): Promise<{ recordings: RecordingView[] }> {
    const { rec, appId, roomId } = this.#check(p);
    return { recordings: await rec.list(appId, roomId) };
  }

  /** `GET …/recordings/{id}` */
  async get(p: RecordingPath): Promise<RecordingView> {
    const { rec, appId, roomId } = this.#check(p);
    const id = this.#id(p);
    const r = await rec.get(appId, roomId, id);
    if (!r) throw new AdminError('unknown_recording', `room ${roomId} has no recording ${id}`);
    return r;
  }

  /** `GET …/recordings/{id}/files/{name}` */
  async file(p: RecordingPath): Promise<FileAnswer> {
    const { rec, appId, roomId } = this.#check(p);
    const id = this.#id(p);
    const ref = await rec.file(appId, roomId, id, p.name ?? '');
    if (!ref) throw new AdminError('unknown_file', `recording ${id} has no file ${JSON.stringify((p.name ?? '').slice(0, 200))}`);
    return new FileAnswer(ref);
  }
}
