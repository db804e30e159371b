// Token lifecycle and visibility over real WebSockets: will-expire, updateToken, expiry, privilege
// expiry, invisible members.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { serverWithClients } from '../helpers/clients.ts';


describe('token lifecycle and visibility', () => {
  const f = serverWithClients({ tokenWillExpireLeadMs: 1500 });
  const connect = f.connect;
  const join = (c: TestClient, roomId: string, userId: string, token = mintToken(roomId, userId), extra: object = {}) =>
    c.request('joinRtcRoom', { appId: APP.appId, roomId, userId, token, ...extra });

  test('will-expire fires, updateToken extends, an un-renewed token ends the membership with 21108', async () => {
    const a = await connect();
    const b = await connect();
    await join(a, 'exp', 'a', mintToken('exp', 'a', { expire: 3 }));
    assert.deepEqual((await join(b, 'exp', 'b')).result?.members, ['a', 'b']);
    const warn = await a.waitFor((f) => f.event === 'tokenWillExpire', 'tokenWillExpire', 5000);
    assert.ok((warn.data as unknown as { inSeconds: number }).inSeconds <= 2);
    // wrong tokens are refused with the spec's text; the session is untouched
    for (const bad of [mintToken('exp', 'someone'), mintToken('other', 'a'), 'garbage', mintToken('exp', 'a', { expire: -5 })]) {
      const r = await a.request('updateToken', { token: bad }, 'updateToken');
      assert.deepEqual(r.error, { errNo: 21101, errorCode: 115902, errorType: 'D', errMsg: 'updateToken:fail invalid token' });
    }
    const renewed = await a.request('updateToken', { token: mintToken('exp', 'a', { expire: 4 }) }, 'updateToken');
    assert.ok((renewed.result?.tokenExpireAt as number) > Date.now() / 1000 + 2);
    // survives the first token's expiry, then expires without another renewal
    const cut = await a.waitFor((f) => f.event === 'interrupted', 'interrupted', 9000);
    assert.deepEqual(cut.data, { errNo: 21108, errorType: 'D', errMsg: 'onRtcChatInterrupted:fail token expired' } as unknown);
    assert.ok(a.frames.filter((f) => f.event === 'tokenWillExpire').length >= 2, 'warned again for the renewed token');
    await b.waitMembers(['b']);
    assert.equal(f.server.rooms.memberOf(APP.appId, 'a'), undefined);
    // the connection stays usable: join again with a fresh token
    const again = await join(a, 'exp', 'a');
    assert.deepEqual(again.result?.members, ['b', 'a']);
  });

  test('a publish privilege that expires alone stops publishing but keeps the member', async () => {
    const a = await connect();
    await join(a, 'pubexp', 'pa', mintToken('pubexp', 'pa', { expire: 60, publishExpire: 1 }));
    const revoked = await a.waitFor((f) => f.event === 'stateChanged', 'stateChanged', 5000);
    assert.equal((revoked.data as unknown as { errNo: number }).errNo, 21910);
    const r = await a.request('setPublish', { sources: ['audio'], publish: true }, 'changeStreamPublishState');
    assert.deepEqual(r.error, { errNo: 21901, errorType: 'D', errMsg: 'changeStreamPublishState:fail no publish permission: the publish privilege has expired' });
    assert.ok(f.server.rooms.memberOf(APP.appId, 'pa'));
    // a renewed token restores it
    await a.request('updateToken', { token: mintToken('pubexp', 'pa', { expire: 60 }) }, 'updateToken');
    assert.equal((await a.request('setPublish', { sources: ['audio'], publish: false })).error, undefined);
  });

  test('an invisible member sees everyone, is listed by nobody, cannot publish; visible again, it is announced', async () => {
    const a = await connect();
    const ghost = await connect();
    await join(a, 'vis', 'va');
    const j = await join(ghost, 'vis', 'ghost', undefined, { visible: false });
    assert.deepEqual(j.result?.members, ['va', 'ghost']); // it sees itself
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(a.lastMembers() ?? ['va'], ['va']);
    const pub = await ghost.request('setPublish', { sources: ['video'], publish: true }, 'changeStreamPublishState');
    assert.equal(pub.error?.errNo, 21901);
    assert.match(pub.error?.errMsg ?? '', /invisible/);
    const offer = await ghost.request('publisherOffer', { sdp: 'v=0 fake sdp', sources: {} }, 'changeStreamPublishState');
    assert.equal(offer.error?.errNo, 21901);
    // a third member joining still does not see it
    const c = await connect();
    const jc = await join(c, 'vis', 'vc');
    assert.deepEqual(jc.result?.members, ['va', 'vc']);
    await ghost.waitMembers(['va', 'ghost', 'vc']);
    assert.deepEqual((await ghost.request('setVisibility', { visible: true })).result, {});
    await a.waitMembers(['va', 'ghost', 'vc']);
    await c.waitMembers(['va', 'ghost', 'vc']);
    assert.deepEqual((await ghost.request('setVisibility', { visible: false })).result, {});
    await a.waitMembers(['va', 'vc']);
  });

  test('a server shutdown interrupts every member with 21955 and closes with 1001', async () => {
    const own = await startTestServer();
    const a = await TestClient.connect(own.wsUrl);
    await a.request('joinRtcRoom', { appId: APP.appId, roomId: 'bye', userId: 'a', token: mintToken('bye', 'a') });
    await own.close();
    const cut = await a.waitFor((f) => f.event === 'interrupted', 'interrupted');
    assert.deepEqual(cut.data, { errNo: 21955, errorType: 'F', errMsg: 'onRtcChatInterrupted:fail server shutting down' } as unknown);
    assert.equal((await a.waitClosed()).code, 1001);
  });
});
