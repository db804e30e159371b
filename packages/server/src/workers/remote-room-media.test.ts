import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtcError } from '@rtcroom/protocol';
import { Member } from '../room/member.ts';
import { Room } from '../room/room.ts';
import type { MainToWorker, RequestOf, RequestResults, RequestType } from './protocol.ts';
import { RemoteRoomMedia, type WorkerLink } from './remote-room-media.ts';

/** A link that records what is sent and answers requests with `answer`. */
function fakeLink(answer: (msg: RequestOf<RequestType>) => Record<string, unknown> | RtcError = () => ({})) {
  const sent: MainToWorker[] = [];
  const requests: RequestOf<RequestType>[] = [];
  const link: WorkerLink = {
    index: 1,
    send: (m) => {
      sent.push(m);
      return true;
    },
    request: async <T extends RequestType>(msg: RequestOf<T>) => {
      requests.push(msg);
      sent.push({ ...msg, id: requests.length } as MainToWorker);
      const r = answer(msg);
      if (r instanceof RtcError) throw r;
      return r as RequestResults[T];
    },
  };
  return { link, sent, requests, types: () => sent.map((m) => m.type) };
}

function roomOf(...userIds: string[]) {
  const room = new Room('app', 'r', 10);
  const frames = new Map<string, string[]>();
  const members = userIds.map((u) => {
    const got: string[] = [];
    frames.set(u, got);
    const m = new Member('app', 'r', u, { sendRaw: (f) => got.push(f) }, { tokenExpireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
    room.add(m);
    return m;
  });
  return { room, members, frames };
}

const shared = (t: number) => performance.timeOrigin + t;

test('creating it creates the room on the worker with its members; calls become ordered messages', () => {
  const { room, members } = roomOf('alice', 'bob');
  const [alice, bob] = members as [Member, Member];
  const { link, sent, types } = fakeLink();
  const media = new RemoteRoomMedia(7, room, link);
  room.media = media;
  assert.equal(media.worker, 1);
  const create = sent[0] as Extract<MainToWorker, { type: 'createRoom' }>;
  assert.deepEqual(
    create.members.map((m) => [m.key, m.userId]),
    [
      [alice.key, 'alice'],
      [bob.key, 'bob'],
    ],
  );
  media.setSubscribe(alice, 'bob', ['video'], false);
  media.setViews(alice, [{ userId: 'bob', source: 'video', width: 320, height: 180, visible: true }]);
  media.restartSubscriberIce(alice);
  media.memberResumed(bob);
  alice.visible = false;
  media.visibilityChanged(alice);
  media.refreshMember(bob);
  assert.deepEqual(types(), ['createRoom', 'setSubscribe', 'setViews', 'restartSubscriberIce', 'memberResumed', 'memberUpdated', 'refreshMember']);
  assert.equal((sent[5] as Extract<MainToWorker, { type: 'memberUpdated' }>).member.visible, false);
  const carol = new Member('app', 'r', 'carol', { sendRaw: () => undefined }, { tokenExpireAt: 0, publishExpireAt: undefined, subscribeExpireAt: 0 });
  room.add(carol);
  media.memberJoined(carol);
  assert.equal(media.memberCount, 3);
  room.remove(bob, 'exit');
  assert.deepEqual(types().slice(-2), ['memberJoined', 'memberLeft']);
  assert.equal(media.memberCount, 2);
  room.remove(alice, 'exit');
  room.remove(carol, 'exit'); // the last one: the room closes its media
  assert.deepEqual(types().slice(-3), ['memberLeft', 'memberLeft', 'closeRoom']);
  const n = sent.length;
  media.setPublish(carol, ['audio'], true);
  assert.equal(sent.length, n, 'nothing is sent once closed');
});

test('publications: a publish counts at once (publisher limit), the worker report is authoritative, lists follow visibility', async () => {
  const { room, members } = roomOf('alice', 'bob');
  const [alice, bob] = members as [Member, Member];
  const { link } = fakeLink();
  const media = new RemoteRoomMedia(1, room, link);
  room.media = media;
  const t0 = performance.now();
  media.setPublish(alice, ['audio', 'video'], true);
  media.setPublish(bob, ['video'], true);
  assert.equal(media.publisherCount(), 2);
  assert.ok(media.isPublishing(alice));
  assert.deepEqual(media.publishers('video'), ['alice', 'bob']);
  assert.deepEqual(room.videoChannel.current(), ['alice', 'bob']);
  // a report from before bob's publish reached the worker, then the one after it
  media.onWorkerMessage({ type: 'publications', room: 1, list: [{ member: alice.key, source: 'audio', since: shared(t0) }, { member: alice.key, source: 'video', since: shared(t0) }] });
  assert.deepEqual(media.publishers('video'), ['alice']);
  media.onWorkerMessage({
    type: 'publications',
    room: 1,
    list: [
      { member: alice.key, source: 'audio', since: shared(t0) },
      { member: alice.key, source: 'video', since: shared(t0) },
      { member: bob.key, source: 'video', since: shared(t0 + 1) },
    ],
  });
  assert.deepEqual(media.publishers('video'), ['alice', 'bob']);
  assert.deepEqual(media.publishers('audio'), ['alice']);
  // the worker dropped alice's publisher connection
  media.onWorkerMessage({ type: 'publications', room: 1, list: [{ member: bob.key, source: 'video', since: shared(t0 + 1) }] });
  assert.deepEqual(media.publishers('audio'), []);
  assert.equal(media.publisherCount(), 1);
  bob.visible = false;
  assert.deepEqual(media.publishers('video'), [], "an invisible publisher is in nobody's list");
  assert.equal(media.publisherCount(), 1, 'but counts against the limit until unpublished');
  media.unpublishAll(bob);
  assert.equal(media.publisherCount(), 0);
  media.close();
});

test('frames, speakers and activity from the worker reach the room side', () => {
  const { room, members, frames } = roomOf('alice', 'bob');
  const [alice, bob] = members as [Member, Member];
  const media = new RemoteRoomMedia(1, room, fakeLink().link);
  media.onWorkerMessage({ type: 'toMember', room: 1, member: bob.key, frame: '{"event":"x"}' });
  media.onWorkerMessage({ type: 'toMember', room: 1, member: 999, frame: '{"event":"lost"}' });
  assert.deepEqual(frames.get('bob'), ['{"event":"x"}']);
  assert.deepEqual(frames.get('alice'), []);
  media.onWorkerMessage({ type: 'activeSpeakers', room: 1, speakers: [{ userId: 'alice', level: 20 }, { userId: 'bob', level: 40 }], changed: true });
  assert.deepEqual(media.activeSpeakers().map((s) => s.userId), ['alice', 'bob']);
  alice.visible = false;
  assert.deepEqual(media.activeSpeakers().map((s) => s.userId), ['bob']);
  assert.equal(media.lastActivity(alice), undefined);
  media.setActivity(new Map([[alice.key, shared(1234.5)]]));
  assert.equal(media.lastActivity(alice), 1234.5);
  assert.equal(media.lastActivity(bob), undefined);
  media.close();
});

test('requests carry the member key and the api name; the worker error comes back as is', async () => {
  const { room, members } = roomOf('alice');
  const alice = members[0]!;
  const { link, requests } = fakeLink((m) => (m.type === 'publisherOffer' ? { sdp: 'answer' } : m.type === 'subscriberAnswer' ? new RtcError('mediaFailed', 'subscriberAnswer', 'boom') : {}));
  const media = new RemoteRoomMedia(3, room, link);
  assert.equal(await media.publisherOffer(alice, 'v=0 offer', { '0': 'audio' }, 'changeAudioCapture'), 'answer');
  assert.deepEqual(requests[0], { type: 'publisherOffer', room: 3, member: alice.key, sdp: 'v=0 offer', sources: { '0': 'audio' }, api: 'changeAudioCapture' });
  await assert.rejects(media.subscriberAnswer(alice, 2, 'v=0 answer'), (e: RtcError) => e.errMsg === 'subscriberAnswer:fail media failed: boom');
  // a member's signaling requests are answered by the worker (after what they sent)
  await media.setViews(alice, []);
  assert.deepEqual(requests.at(-1), { type: 'setViews', room: 3, member: alice.key, views: [] });
  media.lost();
  assert.ok(media.closed);
});
