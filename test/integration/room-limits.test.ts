// Room limits over real WebSockets: visible members (Volcengine's 50 by default; invisible members
// do not count) and publishers (30 by default), each refused with its own error; defaults as the spec.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppRegistry, defaultConfig } from '@rtcroom/server';
import { APP, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';

function joinParams(roomId: string, userId: string, extra: Record<string, unknown> = {}) {
  return { appId: APP.appId, roomId, userId, token: mintToken(roomId, userId), ...extra };
}

test('the defaults are the spec limits: 50 visible members, 30 publishers', () => {
  const c = defaultConfig(new AppRegistry([APP]));
  assert.equal(c.maxVisibleMembers, 50);
  assert.equal(c.maxPublishers, 30);
});

describe('room limits', () => {
  const f = serverWithClients({ maxVisibleMembers: 3, maxPublishers: 2 });
  const connect = f.connect;

  test('visible members are capped; invisible members do not count, and cannot turn visible in a full room', async () => {
    const clients = await Promise.all([1, 2, 3, 4, 5, 6].map(() => connect()));
    const [a, b, c, d, hidden, hidden2] = clients as [typeof clients[0], typeof clients[0], typeof clients[0], typeof clients[0], typeof clients[0], typeof clients[0]];
    for (const [cl, id] of [[a, 'v1'], [b, 'v2'], [c, 'v3']] as const) assert.ok((await cl.request('joinRtcRoom', joinParams('full', id))).result);
    const refused = await d.request('joinRtcRoom', joinParams('full', 'v4'));
    assert.deepEqual(refused.error, { errNo: 21906, errorType: 'D', errMsg: 'joinRtcRoom:fail room full is full (3 members)' });
    // invisible members still get in, and see the room
    const h = await hidden.request('joinRtcRoom', joinParams('full', 'h1', { visible: false }));
    assert.deepEqual(h.result?.members, ['v1', 'v2', 'v3', 'h1']);
    assert.ok((await hidden2.request('joinRtcRoom', joinParams('full', 'h2', { visible: false }))).result);
    // ... but cannot become visible while the room is full
    const vis = await hidden.request('setVisibility', { visible: true }, 'changeUserVisibility');
    assert.deepEqual(vis.error, { errNo: 21906, errorType: 'D', errMsg: 'changeUserVisibility:fail room full is full (3 members)' });
    // nobody saw the invisible members; the refused join left no trace
    await a.waitMembers(['v1', 'v2', 'v3']);
    assert.equal(f.server.rooms.memberOf(APP.appId, 'v4'), undefined);
    // a visible member leaves: now there is room, for a join or for turning visible
    await c.request('exitRtcRoom', { roomId: 'full' });
    assert.deepEqual((await hidden.request('setVisibility', { visible: true }, 'changeUserVisibility')).result, {});
    await a.waitMembers(['v1', 'v2', 'h1']);
    const again = await d.request('joinRtcRoom', joinParams('full', 'v4'));
    assert.equal(again.error?.errNo, 21906);
  });

  test('publishers are capped; a publisher adding a source and unpublishing are never refused', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    for (const [cl, id] of [[a!, 'p1'], [b!, 'p2'], [c!, 'p3']] as const) assert.ok((await cl.request('joinRtcRoom', joinParams('pubs', id))).result);
    assert.deepEqual((await a!.request('setPublish', { sources: ['audio'], publish: true }, 'changeStreamPublishState')).result, {});
    assert.deepEqual((await b!.request('setPublish', { sources: ['video'], publish: true }, 'changeStreamPublishState')).result, {});
    const third = await c!.request('setPublish', { sources: ['audio', 'video'], publish: true }, 'changeStreamPublishState');
    assert.deepEqual(third.error, { errNo: 21911, errorType: 'D', errMsg: 'changeStreamPublishState:fail room pubs already has 2 publishers' });
    // an existing publisher may add a source
    assert.deepEqual((await a!.request('setPublish', { sources: ['video'], publish: true }, 'changeStreamPublishState')).result, {});
    // one stops publishing entirely: the third gets its turn
    assert.deepEqual((await b!.request('setPublish', { sources: ['video'], publish: false }, 'changeStreamPublishState')).result, {});
    assert.deepEqual((await c!.request('setPublish', { sources: ['audio'], publish: true }, 'changeStreamPublishState')).result, {});
    // the Douyin speakers event lists whose audio is on: p1 and p3
    await a!.waitFor((fr) => fr.event === 'rtcChatSpeakersChanged' && JSON.stringify(fr.data?.userIdList) === '["p1","p3"]', 'speakers [p1, p3]');
  });
});
