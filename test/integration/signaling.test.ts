// The room server over real WebSockets on loopback: membership, errors, heartbeat, limits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, APP2, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';


function joinParams(roomId: string, userId: string, extra: Record<string, unknown> = {}) {
  return { appId: APP.appId, roomId, userId, token: mintToken(roomId, userId), ...extra };
}

describe('signaling', () => {
  const f = serverWithClients({ heartbeatTimeoutMs: 1500 });
  const connect = f.connect;

  test('two users join, see [a, b]; one exits, the other sees [b]', async () => {
    const a = await connect();
    const b = await connect();
    const ja = await a.request('joinRtcRoom', joinParams('r1', 'a'));
    assert.deepEqual(ja.result?.members, ['a']);
    const jb = await b.request('joinRtcRoom', joinParams('r1', 'b'));
    assert.deepEqual(jb.result?.members, ['a', 'b']);
    await a.waitMembers(['a', 'b']);
    const ex = await a.request('exitRtcRoom', { roomId: 'r1' });
    assert.deepEqual(ex.result, {});
    await b.waitMembers(['b']);
    // exiting twice: not in the room any more
    const again = await a.request('exitRtcRoom', { roomId: 'r1' });
    assert.deepEqual(again.error, { errNo: 20000, errorType: 'D', errMsg: 'exitRtcRoom:fail not in room r1' });
    // the same session can join again after exit
    const rejoin = await a.request('joinRtcRoom', joinParams('r1', 'a'));
    assert.deepEqual(rejoin.result?.members, ['b', 'a']);
    await b.waitMembers(['b', 'a']);
  });

  test('a dropped socket removes the member and notifies the rest', async () => {
    const a = await connect();
    const b = await connect();
    await a.request('joinRtcRoom', joinParams('r-drop', 'da'));
    await b.request('joinRtcRoom', joinParams('r-drop', 'db'));
    await a.waitMembers(['da', 'db']);
    b.ws.terminate(); // no close frame: like a killed browser
    await a.waitMembers(['da']);
    assert.equal(f.server.rooms.memberOf(APP.appId, 'db'), undefined);
  });

  test('a silent socket is closed after the heartbeat window and leaves the room', async () => {
    const a = await connect();
    const silent = await connect({ autoPong: false });
    await a.request('joinRtcRoom', joinParams('r-hb', 'ha'));
    await silent.request('joinRtcRoom', joinParams('r-hb', 'silent'));
    // `a` keeps talking; `silent` sends nothing more, not even pongs to the server's pings
    const keepAlive = setInterval(() => void a.request('ping'), 300);
    try {
      const closed = await silent.waitClosed(5000);
      assert.equal(closed.code, 4008);
      assert.match(closed.reason, /heartbeat timeout/);
      await a.waitMembers(['ha']);
      assert.equal(a.closed, undefined);
    } finally {
      clearInterval(keepAlive);
    }
  });

  test('token checks: wrong key, expired, other room, other user, unknown app → 21101', async () => {
    const c = await connect();
    const invalid = { errNo: 21101, errorType: 'D', errMsg: 'joinRtcRoom:fail invalid token' };
    const cases: [string, Record<string, unknown>][] = [
      ['wrong key', { token: mintToken('r2', 'u', { app: { appId: APP.appId, appKey: 'nope' } }) }],
      ['expired', { token: mintToken('r2', 'u', { expire: -10 }) }],
      ['other room', { token: mintToken('elsewhere', 'u') }],
      ['other user', { token: mintToken('r2', 'someone') }],
      ['token of another app', { token: mintToken('r2', 'u', { app: APP2 }) }],
      ['unknown appId', { appId: 'x'.repeat(24) }],
      ['garbage token', { token: '001garbage' }],
    ];
    for (const [name, extra] of cases) {
      const r = await c.request('joinRtcRoom', joinParams('r2', 'u', extra));
      assert.deepEqual(r.error, invalid, name);
    }
    assert.equal(f.server.rooms.room(APP.appId, 'r2'), undefined);
    // a wildcard token joins any room; a never-expiring one is fine
    const ok = await c.request('joinRtcRoom', joinParams('r2', 'u', { token: mintToken('*', 'u', { expire: 0 }) }));
    assert.deepEqual(ok.result?.members, ['u']);
    assert.equal(ok.result?.tokenExpireAt, 0);
  });

  test('duplicate join → 21100, first session untouched; one context cannot join twice', async () => {
    const first = await connect();
    const second = await connect();
    await first.request('joinRtcRoom', joinParams('r3', 'dup'));
    const r = await second.request('joinRtcRoom', joinParams('r3-other', 'dup'));
    assert.deepEqual(r.error, { errNo: 21100, errorType: 'D', errMsg: 'joinRtcRoom:fail user dup is already in the room r3' });
    const again = await first.request('joinRtcRoom', joinParams('r4', 'dup2'));
    assert.equal(again.error?.errNo, 21100);
    assert.equal(again.error?.errMsg, 'joinRtcRoom:fail user dup is already in the room r3');
    assert.equal((await first.request('ping')).error, undefined);
    assert.equal(first.closed, undefined);
    assert.deepEqual(f.server.rooms.room(APP.appId, 'r3')?.userIdList(), ['dup']);
  });

  test('apps are isolated: the same roomId under two appIds is two rooms', async () => {
    const a = await connect();
    const b = await connect();
    await a.request('joinRtcRoom', joinParams('shared', 'x'));
    const jb = await b.request('joinRtcRoom', { appId: APP2.appId, roomId: 'shared', userId: 'x', token: mintToken('shared', 'x', { app: APP2 }) });
    assert.deepEqual(jb.result?.members, ['x']);
    assert.notEqual(f.server.rooms.room(APP.appId, 'shared'), f.server.rooms.room(APP2.appId, 'shared'));
  });

  test('bad ids and params → 20000 naming the field', async () => {
    const c = await connect();
    const r1 = await c.request('joinRtcRoom', joinParams('bad room', 'u'));
    assert.equal(r1.error?.errNo, 20000);
    assert.equal(r1.error?.errMsg, 'joinRtcRoom:fail params.roomId should match [a-zA-Z0-9_@\\-\\.]{1,128}, but got "bad room"');
    const r2 = await c.request('joinRtcRoom', joinParams('r', 'x'.repeat(129)));
    assert.match(r2.error?.errMsg ?? '', /^joinRtcRoom:fail params\.userId should match/);
    const r3 = await c.request('joinRtcRoom', { ...joinParams('r', 'u'), token: 5 });
    assert.equal(r3.error?.errMsg, 'joinRtcRoom:fail params.token should be string, but got number');
    const r4 = await c.request('exitRtcRoom', {});
    assert.equal(r4.error?.errMsg, 'exitRtcRoom:fail params.roomId is required (string)');
  });

  test('malformed frames get an error reply and the session lives on', async () => {
    const c = await connect();
    const bad: [string, RegExp][] = [
      ['not json', /^signaling:fail malformed JSON/],
      ['[1,2]', /^signaling:fail frame should be object, but got array/],
      ['{"id":1001}', /^signaling:fail frame\.method is required/],
      ['{"id":"x","method":"ping"}', /^signaling:fail frame\.id should be number, but got string/],
      ['{"id":1007,"method":"fly","params":{}}', /^fly:fail unknown method "fly"/],
      ['{"id":1008,"method":"__proto__"}', /^__proto__:fail unknown method/],
      [JSON.stringify({ id: 1009, method: 'ping', pad: 'x'.repeat(70 * 1024) }), /^signaling:fail frame of \d+ bytes exceeds the limit of 65536/],
    ];
    for (const [text, want] of bad) {
      const before = c.frames.length;
      c.sendRaw(text);
      const reply = await c.waitFor((f) => c.frames.indexOf(f) >= before && f.error !== undefined, `error for ${text.slice(0, 20)}`);
      assert.equal(reply.error?.errNo, 20000, text.slice(0, 40));
      assert.match(reply.error?.errMsg ?? '', want);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitFor((f) => f.error?.errMsg === 'signaling:fail binary frames are not supported', 'binary error');
    // replies keep their ids when they can be read
    const unknown = c.frames.find((f) => f.error?.errMsg.startsWith('fly:'));
    assert.equal(unknown?.id, 1007);
    const ok = await c.request('joinRtcRoom', joinParams('r-after-garbage', 'g'));
    assert.deepEqual(ok.result?.members, ['g']);
  });

  test('a flood closes the flooder with a reason and does not stop another room', async () => {
    const flooder = await connect();
    await flooder.request('joinRtcRoom', joinParams('flood-room', 'f'));
    const frame = JSON.stringify({ id: 1, method: 'ping' });
    const floodStart = performance.now();
    for (let i = 0; i < 5000; i++) flooder.sendRaw(frame);
    const other = await connect();
    const joined = await other.request('joinRtcRoom', joinParams('quiet-room', 'q'));
    assert.deepEqual(joined.result?.members, ['q']);
    const closed = await flooder.waitClosed();
    const floodMs = performance.now() - floodStart;
    assert.equal(closed.code, 4029);
    assert.match(closed.reason, /rate limit exceeded/);
    // the server stopped reading the flood: it answered at most the burst allowance (200) and
    // what the bucket refilled (100/s) while the flood lasted, not the 5,000 frames
    const replies = flooder.frames.filter((f) => f.id === 1).length;
    assert.ok(replies <= 200 + Math.ceil((floodMs / 1000) * 100) + 5, `flooder got ${replies} replies in ${floodMs.toFixed(0)} ms`);
    assert.equal(f.server.rooms.memberOf(APP.appId, 'f'), undefined);
    assert.equal((await other.request('ping')).error, undefined);
  });

  test('healthz reports live counts', async () => {
    const res = await fetch(`${f.server.url}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; rooms: number };
    assert.equal(body.status, 'ok');
    assert.equal(body.rooms, f.server.rooms.roomCount);
  });
});
