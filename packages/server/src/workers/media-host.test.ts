import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SPEAKER_OPTIONS } from '@rtcroom/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log.ts';
import { readManifest } from '../media/recording/manifest.ts';
import { MediaHost, LOAD_EVERY_MS } from './media-host.ts';
import { nativeModeFromEnv } from '../media/native/send-path.ts';
import type { MemberInfo, WorkerToMain, WorkerToMainOf } from './protocol.ts';

const member = (key: number, userId: string): MemberInfo => ({ key, userId, visible: true, autoSubscribe: true, grants: { tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 } });

function host() {
  const sent: WorkerToMain[] = [];
  const h = new MediaHost(
    { index: 0, media: { iceAddress: '127.0.0.1' }, speakers: { ...DEFAULT_SPEAKER_OPTIONS }, audioSelection: { aboveMembers: 0, maxSpeakers: 3 }, logLevel: 'silent', native: nativeModeFromEnv() },
    createLogger('silent'),
    (m) => sent.push(m),
  );
  const of = <T extends WorkerToMain['type']>(type: T) => sent.filter((m): m is WorkerToMainOf<T> => m.type === type);
  return { h, sent, of };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a hosted room reports its publications after each change, keyed by the main process member keys', async () => {
  const { h, of } = host();
  try {
    h.handle({ type: 'createRoom', room: 5, appId: 'app', roomId: 'r', members: [member(11, 'alice'), member(12, 'bob')] });
    assert.equal(h.roomCount, 1);
    h.handle({ type: 'setPublish', id: 1, room: 5, member: 11, sources: ['audio', 'video'], publish: true });
    await tick();
    const first = of('publications').at(-1)!;
    assert.equal(first.room, 5);
    assert.deepEqual(first.list.map((p) => [p.member, p.source]), [
      [11, 'audio'],
      [11, 'video'],
    ]);
    assert.ok(Math.abs(first.list[0]!.since - (performance.timeOrigin + performance.now())) < 5000, 'since is on the shared clock');
    h.handle({ type: 'memberJoined', room: 5, member: member(13, 'carol') });
    h.handle({ type: 'setPublish', id: 2, room: 5, member: 13, sources: ['screen'], publish: true });
    await tick();
    assert.deepEqual(of('publications').at(-1)!.list.map((p) => [p.member, p.source]), [
      [11, 'audio'],
      [11, 'video'],
      [13, 'screen'],
    ]);
    h.handle({ type: 'memberLeft', room: 5, member: 11 });
    await tick();
    assert.deepEqual(of('publications').at(-1)!.list.map((p) => [p.member, p.source]), [[13, 'screen']]);
    h.handle({ type: 'unpublishAll', room: 5, member: 13 });
    await tick();
    assert.deepEqual(of('publications').at(-1)!.list, []);
  } finally {
    h.close();
  }
});

test('requests are answered by id: an unknown member fails with notInRoom under the api name', async () => {
  const { h, of } = host();
  try {
    h.handle({ type: 'createRoom', room: 1, appId: 'app', roomId: 'r', members: [member(1, 'alice')] });
    h.handle({ type: 'publisherOffer', id: 41, room: 1, member: 99, sdp: 'v=0 whatever', sources: {}, api: 'changeStreamPublishState' });
    h.handle({ type: 'subscriberAnswer', id: 42, room: 1, member: 1, offerId: 0, sdp: 'v=0 whatever' });
    h.handle({ type: 'subscriberAnswer', id: 43, room: 77, member: 1, offerId: 0, sdp: 'v=0 whatever' });
    await tick();
    const replies = new Map(of('reply').map((r) => [r.id, r]));
    assert.equal(replies.get(41)!.error!.errMsg, 'changeStreamPublishState:fail not in room any room');
    // a member with no subscriber connection yet: the router's own error, as in process
    assert.equal(replies.get(42)!.error!.errMsg, 'subscriberAnswer:fail no subscriber connection');
    assert.equal(replies.get(43)!.error!.errMsg, 'subscriberAnswer:fail not in room any room');
  } finally {
    h.close();
  }
});

test('messages for rooms or members that are gone are ignored (requests fail with notInRoom); load is reported once a second', async () => {
  const { h, of, sent } = host();
  try {
    h.handle({ type: 'setViews', id: 1, room: 3, member: 1, views: [] });
    h.handle({ type: 'memberLeft', room: 3, member: 1 });
    h.handle({ type: 'createRoom', room: 3, appId: 'app', roomId: 'r', members: [] });
    h.handle({ type: 'restartSubscriberIce', id: 2, room: 3, member: 1 });
    h.handle({ type: 'memberResumed', room: 3, member: 1 });
    await new Promise((r) => setTimeout(r, LOAD_EVERY_MS + 150));
    const load = of('load').at(-1)!.load;
    assert.equal(load.rooms, 1);
    assert.ok(load.rssBytes > 0);
    assert.ok(of('activity').length >= 1);
    h.handle({ type: 'closeRoom', room: 3 });
    assert.equal(h.roomCount, 0);
    h.close();
    const n = sent.length;
    h.handle({ type: 'createRoom', room: 4, appId: 'app', roomId: 'r', members: [] });
    assert.equal(h.roomCount, 0, 'a closed host takes nothing');
    assert.equal(sent.length, n);
  } finally {
    h.close();
  }
});

test('recording requests: the worker writes the manifest, stops on request or when the room closes; an unknown room fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rtcroom-host-rec-'));
  const { h, of } = host();
  const replied = async (id: number) => {
    for (let i = 0; i < 100 && !of('reply').some((r) => r.id === id); i++) await new Promise((r) => setTimeout(r, 10));
    return of('reply').find((r) => r.id === id);
  };
  try {
    h.handle({ type: 'createRoom', room: 5, appId: 'app', roomId: 'r', members: [member(11, 'alice')] });
    h.handle({ type: 'setPublish', id: 1, room: 5, member: 11, sources: ['audio'], publish: true });
    h.handle({ type: 'startRecording', id: 2, room: 5, recordingId: 'rec_aaaaaaaa', dir: join(dir, 'a'), startedAt: Date.now() });
    assert.deepEqual((await replied(2))?.result, {});
    assert.equal((await readManifest(join(dir, 'a')))?.status, 'recording');
    h.handle({ type: 'stopRecording', id: 3, room: 5, recordingId: 'rec_aaaaaaaa', reason: 'api' });
    assert.deepEqual((await replied(3))?.result, {});
    const a = await readManifest(join(dir, 'a'));
    assert.deepEqual([a?.status, a?.stopReason, a?.roomId, a?.files], ['stopped', 'api', 'r', []], 'no packet came: no file');

    h.handle({ type: 'startRecording', id: 4, room: 5, recordingId: 'rec_bbbbbbbb', dir: join(dir, 'b'), startedAt: Date.now() });
    await replied(4);
    h.handle({ type: 'closeRoom', room: 5 });
    let b = await readManifest(join(dir, 'b'));
    for (let i = 0; i < 100 && b?.status !== 'stopped'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      b = await readManifest(join(dir, 'b'));
    }
    assert.equal(b?.stopReason, 'room_closed');

    h.handle({ type: 'startRecording', id: 5, room: 77, recordingId: 'rec_cccccccc', dir: join(dir, 'c'), startedAt: Date.now() });
    assert.match((await replied(5))?.error?.errMsg ?? '', /not on this worker/);
  } finally {
    h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
