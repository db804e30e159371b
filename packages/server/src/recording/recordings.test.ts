import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log.ts';
import { RoomRecorder } from '../media/recording/room-recorder.ts';
import { writeManifest, type RecordingSpec, type StopReason } from '../media/recording/manifest.ts';
import type { RoomMedia } from '../room/room-media.ts';
import { RoomManager } from '../room/room-manager.ts';
import { AlreadyRecordingError, Recordings } from './recordings.ts';

const log = createLogger('silent');
const grants = { tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 };

/** The media side of a room with no tracks: a real `RoomRecorder` writes the manifests (outside the unit under test). */
function fakeMedia(stops: StopReason[]): RoomMedia {
  const active = new Map<string, RoomRecorder>();
  return {
    async startRecording(spec: RecordingSpec) {
      const r = new RoomRecorder(spec, log);
      active.set(spec.id, r);
      await r.start([]);
    },
    async stopRecording(id: string, reason: StopReason) {
      stops.push(reason);
      await active.get(id)?.stop(reason);
      active.delete(id);
    },
  } as unknown as RoomMedia;
}

async function setup(maxMinutes = 5) {
  const dir = await mkdtemp(join(tmpdir(), 'rtcroom-recordings-'));
  const rooms = new RoomManager({ maxMembersPerRoom: 10, snapshotIntervalMs: 10 });
  const stops: StopReason[] = [];
  const recs = new Recordings({ dir, maxMinutes }, rooms, () => fakeMedia(stops), log);
  const { room, member } = rooms.join({ appId: 'app', roomId: 'r1', userId: 'u1', sink: { sendRaw: () => undefined }, grants });
  return { dir, rooms, recs, room, member, stops, done: () => rm(dir, { recursive: true, force: true }) };
}

test('one recording per room at a time; stop is idempotent; list and get see it, other rooms do not', async () => {
  const s = await setup();
  try {
    const a = await s.recs.start(s.room);
    assert.match(a.id, /^rec_[0-9a-z]+$/);
    assert.equal(a.status, 'recording');
    await assert.rejects(s.recs.start(s.room), (e) => e instanceof AlreadyRecordingError && e.id === a.id);
    assert.equal(s.recs.recordingOf('app', 'r1'), a.id);
    const stopped = await s.recs.stop('app', 'r1', a.id);
    assert.deepEqual([stopped?.status, stopped?.stopReason], ['stopped', 'api']);
    assert.equal((await s.recs.stop('app', 'r1', a.id))?.status, 'stopped');
    assert.deepEqual(s.stops, ['api'], 'the media is asked once');
    const b = await s.recs.start(s.room);
    assert.deepEqual((await s.recs.list('app', 'r1')).map((r) => [r.id, r.status]), [
      [a.id, 'stopped'],
      [b.id, 'recording'],
    ]);
    assert.deepEqual(await s.recs.list('app', 'r2'), []);
    assert.equal(await s.recs.get('other', 'r1', a.id), undefined);
    assert.equal(await s.recs.get('app', 'r1', '../etc'), undefined);
    assert.equal(await s.recs.stop('app', 'r1', 'rec_00000000'), undefined);
  } finally {
    await s.recs.close();
    await s.done();
  }
});

test('the length cap stops a recording; the room closing forgets it; a cut-off one is interrupted', async () => {
  const s = await setup(0.002); // 120 ms
  try {
    const a = await s.recs.start(s.room);
    await new Promise((r) => setTimeout(r, 400));
    const got = await s.recs.get('app', 'r1', a.id);
    assert.deepEqual([got?.status, got?.stopReason], ['stopped', 'limit']);
    // a manifest left "recording" by a crash is listed as interrupted
    const dir = join(s.dir, 'rec_crashed0001');
    await mkdir(dir);
    await writeManifest(dir, { id: 'rec_crashed0001', appId: 'app', roomId: 'r1', status: 'recording', startedAt: new Date().toISOString(), files: [] });
    assert.equal((await s.recs.get('app', 'r1', 'rec_crashed0001'))?.status, 'interrupted');
    // garbage and stray folders are skipped
    await writeFile(join(s.dir, 'rec_notafolder'), 'x');
    assert.equal((await s.recs.list('app', 'r1')).length, 2);
    const b = await s.recs.start(s.room);
    s.rooms.leave(s.member, 'exit');
    assert.equal(s.recs.recordingOf('app', 'r1'), undefined, 'forgotten when the room closed');
    assert.equal((await s.recs.get('app', 'r1', b.id))?.status, 'interrupted', 'the fake media does not stop itself on close');
  } finally {
    await s.recs.close();
    await s.done();
  }
});

test('file: only names the manifest lists, existing on disk', async () => {
  const s = await setup();
  try {
    const a = await s.recs.start(s.room);
    await s.recs.stop('app', 'r1', a.id);
    const dir = join(s.dir, a.id);
    await writeFile(join(dir, 'u1-audio-1.webm'), Buffer.alloc(10));
    const file = { name: 'u1-audio-1.webm', userId: 'u1', source: 'audio', codec: 'opus', contentType: 'audio/webm', startedAt: '', offsetMs: 0, durationMs: 0, bytes: 10, frames: 1, state: 'complete' } as const;
    const m = (await s.recs.get('app', 'r1', a.id))!;
    await writeManifest(dir, { ...m, status: 'stopped', files: [file, { ...file, name: 'u1-video-1.webm' }] });
    assert.equal((await s.recs.file('app', 'r1', a.id, 'u1-audio-1.webm'))?.size, 10);
    assert.equal(await s.recs.file('app', 'r1', a.id, 'u1-video-1.webm'), undefined, 'listed but missing');
    assert.equal(await s.recs.file('app', 'r1', a.id, 'manifest.json'), undefined);
    assert.equal(await s.recs.file('app', 'r1', a.id, '../' + a.id + '/u1-audio-1.webm'), undefined);
  } finally {
    await s.done();
  }
});
