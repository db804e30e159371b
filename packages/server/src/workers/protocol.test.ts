import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppRegistry } from '../apps/registry.ts';
import { defaultConfig } from '../config.ts';
import { Member } from '../room/member.ts';
import { parseMainToWorker, parseWorkerConfig, parseWorkerToMain, type MainToWorker, type WorkerToMain } from './protocol.ts';
import { memberInfo } from './remote-room-media.ts';
import { mediaNetwork } from './media-host.ts';
import { workerConfig } from './worker-pool.ts';

/** What crosses the IPC channel (Node's 'json' serialization). */
const wire = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

const member = new Member('app', 'r1', 'alice', { sendRaw: () => undefined }, { tokenExpireAt: 0, publishExpireAt: undefined, subscribeExpireAt: 1_900_000_000 });
const info = memberInfo(member);

const mainMessages: MainToWorker[] = [
  { type: 'createRoom', room: 1, appId: 'app', roomId: 'r1', members: [info] },
  { type: 'closeRoom', room: 1 },
  { type: 'memberJoined', room: 1, member: info },
  { type: 'memberLeft', room: 1, member: info.key },
  { type: 'memberUpdated', room: 1, member: { ...info, visible: false } },
  { type: 'memberResumed', room: 1, member: 3 },
  { type: 'refreshMember', room: 1, member: info },
  { type: 'publisherOffer', id: 7, room: 1, member: 3, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n', sources: { '0': 'audio', '1': 'video' }, api: 'changeStreamPublishState' },
  { type: 'subscriberAnswer', id: 8, room: 1, member: 3, offerId: 0, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' },
  { type: 'setPublish', id: 9, room: 1, member: 3, sources: ['audio', 'screen'], publish: true },
  { type: 'unpublishAll', room: 1, member: 3 },
  { type: 'setSubscribe', id: 10, room: 1, member: 3, userId: 'bob', sources: ['video'], subscribe: false },
  { type: 'setViews', id: 11, room: 1, member: 3, views: [{ userId: 'bob', source: 'video', width: 640, height: 360, visible: true }] },
  { type: 'restartSubscriberIce', id: 12, room: 1, member: 3 },
  { type: 'memberStats', id: 13, room: 1 },
  { type: 'shutdown' },
];

const workerMessages: WorkerToMain[] = [
  { type: 'ready', index: 1, pid: 4242 },
  { type: 'reply', id: 7, result: { sdp: 'v=0' } },
  { type: 'reply', id: 13, result: { members: [{ userId: 'bob', sendKbps: 812.4, receiveKbps: 40, lossPercent: 0.5 }] } },
  { type: 'reply', id: 8, error: { errNo: 21908, errorType: 'F', errMsg: 'subscriberAnswer:fail media failed: x' } },
  { type: 'toMember', room: 1, member: 3, frame: '{"event":"publishLayers","data":{"source":"video","active":[true,false]}}' },
  { type: 'publications', room: 1, list: [{ member: 3, source: 'video', since: 1.7e12 + 0.25 }] },
  { type: 'activeSpeakers', room: 1, speakers: [{ userId: 'bob', level: 30 }], changed: true },
  { type: 'activity', entries: [[1, 3, 1.7e12]] },
  { type: 'load', load: { rooms: 2, peers: 8, producers: 4, consumers: 4, forwarded: 10_000, received: 9000, forwardedBytes: 1_000_000, receivedBytes: 900_000, lost: 3, nacks: 5, retransmitted: 4, plisReceived: 2, plisSent: 1, heldStarts: 1, layerStepsDown: 2, layerStepsUp: 1, bandwidthPauses: 1, consentAnswered: 7, consentChecksSent: 6, consentAnswersReceived: 5, forwardedPps: 420, receivedPps: 210, rssBytes: 1e8, loopLagMs: 3 } },
];

test('every main → worker message survives the channel and validates unchanged', () => {
  for (const m of mainMessages) assert.deepEqual(parseMainToWorker(wire(m)), m, m.type);
});

test('every worker → main message survives the channel and validates unchanged', () => {
  for (const m of workerMessages) assert.deepEqual(parseWorkerToMain(wire(m)), m, m.type);
});

test('a member crosses with its grants; a privilege not granted stays absent', () => {
  assert.deepEqual(info, { key: member.key, userId: 'alice', visible: true, autoSubscribe: true, grants: { tokenExpireAt: 0, subscribeExpireAt: 1_900_000_000 } });
  assert.ok(!('publishExpireAt' in info.grants));
});

test('malformed messages are refused with the reason', () => {
  const refused = (x: unknown, parse: (x: unknown, why: (d: string) => void) => unknown = parseMainToWorker): string => {
    let why = '';
    assert.equal(parse(x, (d) => (why = d)), undefined, JSON.stringify(x));
    return why;
  };
  assert.match(refused({ type: 'launchMissiles' }), /type/);
  assert.match(refused({ type: 'publisherOffer', room: 1, member: 3, sdp: 'v=0', sources: {}, api: 'x' }), /^id/);
  assert.match(refused({ type: 'closeRoom', room: 0 }), /^room/);
  assert.match(refused({ type: 'closeRoom', room: 1.5 }), /^room/);
  assert.match(refused({ type: 'setPublish', id: 1, room: 1, member: 3, sources: ['webcam'], publish: true }), /^sources\.0/);
  assert.match(refused({ type: 'setViews', id: 1, room: 1, member: 3, views: [{ userId: 'b', source: 'video', width: -1, height: 1, visible: true }] }), /width/);
  assert.match(refused({ type: 'memberJoined', room: 1, member: { ...info, grants: {} } }), /tokenExpireAt/);
  refused(null);
  refused('shutdown');
  assert.match(refused({ type: 'toMember', room: 1, member: 3, frame: 'x'.repeat(1_000_001) }, parseWorkerToMain), /^frame/);
  assert.match(refused({ type: 'load', load: { ...(workerMessages.at(-1) as { load: object }).load, forwardedPps: Number.NaN } }, parseWorkerToMain), /forwardedPps/);
  assert.match(refused({ type: 'activity', entries: [[1, 3]] }, parseWorkerToMain), /entries/);
  assert.match(refused({ type: 'publications', room: 1, list: [{ member: 3, source: 'video' }] }, parseWorkerToMain), /since/);
});

test("a worker's configuration: its slice of the port range and the media settings, through the environment", () => {
  const config = defaultConfig(new AppRegistry([]));
  config.media = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: [40000, 40999] };
  config.audioSelection = { aboveMembers: 7, maxSpeakers: 2 };
  const w1 = workerConfig(config, 2, 1);
  assert.deepEqual(w1.media, { iceAddress: '127.0.0.1', portRange: [40500, 40999] });
  assert.deepEqual(workerConfig(config, 2, 0).media.portRange, [40000, 40499]);
  assert.deepEqual(parseWorkerConfig(JSON.stringify(w1)), w1);
  assert.equal(w1.index, 1);
  assert.deepEqual(w1.audioSelection, { aboveMembers: 7, maxSpeakers: 2 });
  // --no-opus-dtx reaches the workers' answers too
  config.media.opusDtx = false;
  const off = parseWorkerConfig(JSON.stringify(workerConfig(config, 2, 0)));
  assert.equal(off.media.opusDtx, false);
  assert.equal(mediaNetwork(off.media).opusDtx, false);
  assert.throws(() => parseWorkerConfig(undefined), /RTCROOM_WORKER_CONFIG is not set/);
  assert.throws(() => parseWorkerConfig(JSON.stringify({ ...w1, logLevel: 'loud' })), /logLevel/);
});
