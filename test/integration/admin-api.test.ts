// The admin REST API against a real server: every endpoint with a good key, a wrong key, no key,
// unknown ids and malformed bodies; the OpenAPI document walked against what is served.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPENAPI_DOCUMENT, adminRoutes } from '@rtcroom/server';
import { APP, APP2, mintToken, startTestServer } from '../helpers/server.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { until } from '../helpers/sdk-page.ts';

const KEY = 'admin-key-for-tests-0123456789';

type Reply = { status: number; body: any; headers: Headers };

async function call(base: string, method: string, path: string, o: { key?: string | null; body?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const key = o.key === undefined ? KEY : o.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, ...(o.body !== undefined ? { body: o.body } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

function assertError(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body?.error?.code, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok(r.body.error.message.length > 0);
}

async function joined(wsUrl: string, roomId: string, userId: string, clients: TestClient[]): Promise<TestClient> {
  const c = await TestClient.connect(wsUrl);
  clients.push(c);
  const r = await c.request('joinRtcRoom', { appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) });
  assert.ok(r.result, JSON.stringify(r));
  return c;
}

/** Every documented operation: [method, path template]. */
const documented = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m.toUpperCase(), path] as const));
const fill = (template: string, p: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(p[k]!));
const sampleBody = (method: string, path: string) => (path.endsWith('/mute') ? JSON.stringify({ streamType: 'audio' }) : method === 'POST' ? '{}' : undefined);

describe('admin API', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let off: Awaited<ReturnType<typeof startTestServer>>;
  const clients: TestClient[] = [];
  before(async () => {
    server = await startTestServer({ adminKey: KEY });
    off = await startTestServer();
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await server?.close();
    await off?.close();
  });

  test('with no key configured the API is off and says so; the OpenAPI document is served', async () => {
    for (const [method, path] of documented) {
      const r = await call(off.url, method, fill(path, { appId: APP.appId, roomId: 'r', userId: 'u' }), { body: sampleBody(method, path) });
      assertError(r, 404, 'admin_api_disabled');
      assert.match(r.body.error.message, /--admin-key/);
    }
    const doc = await call(off.url, 'GET', '/api/v1/openapi.json', { key: null });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assertError(await call(off.url, 'POST', '/api/v1/openapi.json', { key: null }), 405, 'method_not_allowed');
  });

  test('the OpenAPI document describes exactly the served routes', async () => {
    const served = adminRoutes({} as never).map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual(documented.map(([m, p]) => `${m} ${p}`).sort(), served);
    // each documented operation is answered (not 404 not_found / 405) with a good key
    await joined(server.wsUrl, 'walk', 'walker', clients);
    for (const [method, path] of documented) {
      if (method === 'DELETE' || path.endsWith('/kick')) continue; // destructive: exercised below
      const r = await call(server.url, method, fill(path, { appId: APP.appId, roomId: 'walk', userId: 'walker' }), { body: sampleBody(method, path) });
      // usage and recording are off on this server (they have their own tests)
      assert.ok(r.status === 200 || r.body?.error?.code === 'usage_disabled' || r.body?.error?.code === 'recording_disabled', `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // paths not in the document are not served
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}`), 404, 'not_found');
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/walk/members/walker`), 404, 'not_found');
  });

  test('every route refuses a missing, wrong or malformed key with 401', async () => {
    for (const [method, path] of documented) {
      const p = fill(path, { appId: APP.appId, roomId: 'walk', userId: 'walker' });
      const body = sampleBody(method, path);
      for (const key of [null, 'wrong-key-wrong-key-wrong', `${KEY}x`, KEY.slice(0, -1), '']) {
        const r = await call(server.url, method, p, { key, body });
        assertError(r, 401, 'unauthorized');
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
      const basic = await fetch(server.url + p, { method, headers: { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}` } });
      assert.equal(basic.status, 401);
    }
    // the walker is still there: nothing was done without the key
    const m = await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/walk/members`);
    assert.deepEqual(m.body.members.map((x: { userId: string }) => x.userId), ['walker']);
  });

  test('rooms and members: counts, start times, published streams; unknown and malformed ids', async () => {
    const t0 = Date.now();
    await joined(server.wsUrl, 'list', 'alice', clients);
    await joined(server.wsUrl, 'list', 'bob', clients);
    const rooms = await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms`);
    assert.equal(rooms.status, 200);
    const list = rooms.body.rooms.find((r: { roomId: string }) => r.roomId === 'list');
    assert.equal(list.members, 2);
    assert.equal(list.visibleMembers, 2);
    assert.equal(list.publishers, 0);
    assert.ok(Math.abs(Date.parse(list.startedAt) - t0) < 5000, list.startedAt);
    // the apps, ids only
    assert.deepEqual((await call(server.url, 'GET', '/api/v1/apps')).body, { apps: [{ appId: APP.appId }, { appId: APP2.appId }] });
    // app isolation: the other app has no rooms; an unknown app is 404
    assert.deepEqual((await call(server.url, 'GET', `/api/v1/apps/${APP2.appId}/rooms`)).body, { rooms: [] });
    assertError(await call(server.url, 'GET', '/api/v1/apps/nosuchapp/rooms'), 404, 'unknown_app');
    const members = await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/list/members`);
    assert.equal(members.status, 200);
    assert.equal(members.body.room.roomId, 'list');
    assert.deepEqual(
      members.body.members.map((m: { userId: string; visible: boolean; state: string; published: string[]; speaking: boolean; stats?: object }) => [m.userId, m.visible, m.state, m.published, m.speaking, m.stats]),
      [
        // no media connection: no figures
        ['alice', true, 'connected', [], false, undefined],
        ['bob', true, 'connected', [], false, undefined],
      ],
    );
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/nosuch/members`), 404, 'unknown_room');
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP2.appId}/rooms/list/members`), 404, 'unknown_room');
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/a%20b/members`), 400, 'bad_request');
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/%E0%A4%A/members`), 400, 'bad_request');
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/${'x'.repeat(129)}/members`), 400, 'bad_request');
    // wrong method on a known path: 405 with Allow
    const put = await call(server.url, 'PUT', `/api/v1/apps/${APP.appId}/rooms`);
    assertError(put, 405, 'method_not_allowed');
    assert.equal(put.headers.get('allow'), 'GET');
    assert.equal((await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/list`)).headers.get('allow'), 'DELETE');
  });

  test('mute: validates the body; a member not publishing that kind has nothing stopped', async () => {
    const carol = await joined(server.wsUrl, 'mute', 'carol', clients);
    const path = `/api/v1/apps/${APP.appId}/rooms/mute/members/carol/mute`;
    for (const body of ['', '{', '[]', '"audio"', '{}', '{"streamType":"both"}', '{"streamType":1}', '{"streamType":"audio","x":1}']) {
      assertError(await call(server.url, 'POST', path, { body }), 400, 'bad_request');
    }
    assertError(await call(server.url, 'POST', path, { body: 'x'.repeat(5000) }), 400, 'bad_request');
    for (const streamType of ['audio', 'video', 'screen']) {
      const r = await call(server.url, 'POST', path, { body: JSON.stringify({ streamType }) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { roomId: 'mute', userId: 'carol', streamType, stopped: [] });
    }
    assert.ok(!carol.frames.some((f) => f.event === 'stateChanged'), 'nothing to tell: nothing was published');
    assertError(await call(server.url, 'POST', `/api/v1/apps/${APP.appId}/rooms/mute/members/dave/mute`, { body: '{"streamType":"audio"}' }), 404, 'unknown_user');
    assertError(await call(server.url, 'POST', `/api/v1/apps/${APP.appId}/rooms/nosuch/members/carol/mute`, { body: '{"streamType":"audio"}' }), 404, 'unknown_room');
    assertError(await call(server.url, 'GET', path), 405, 'method_not_allowed');
  });

  test('kick: the member is interrupted with 21913, its socket closed with 4012, the others see it leave', async () => {
    const erin = await joined(server.wsUrl, 'kick', 'erin', clients);
    const frank = await joined(server.wsUrl, 'kick', 'frank', clients);
    await erin.waitMembers(['erin', 'frank']);
    const path = `/api/v1/apps/${APP.appId}/rooms/kick/members/frank/kick`;
    assertError(await call(server.url, 'POST', path, { body: '{"reason":1}' }), 400, 'bad_request');
    assertError(await call(server.url, 'POST', path, { body: 'nope' }), 400, 'bad_request');
    assertError(await call(server.url, 'POST', `/api/v1/apps/${APP.appId}/rooms/kick/members/nobody/kick`), 404, 'unknown_user');
    assertError(await call(server.url, 'POST', `/api/v1/apps/${APP.appId}/rooms/kick/members/bad%2Fid/kick`), 400, 'bad_request');
    assert.ok(!frank.closed, 'refused requests did nothing');
    const r = await call(server.url, 'POST', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { roomId: 'kick', userId: 'frank', kicked: true });
    const ev = await frank.waitFor((f) => f.event === 'interrupted', 'interrupted');
    assert.deepEqual(ev.data, { errNo: 21913, errorType: 'I', errMsg: 'onRtcChatInterrupted:fail kicked out of room kick by the server' });
    assert.equal((await frank.waitClosed()).code, 4012);
    await erin.waitMembers(['erin']);
    assertError(await call(server.url, 'POST', path), 404, 'unknown_user');
    const m = await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/kick/members`);
    assert.deepEqual(m.body.members.map((x: { userId: string }) => x.userId), ['erin']);
  });

  test('DELETE room: everyone is interrupted with 21914 and the room is gone', async () => {
    const a = await joined(server.wsUrl, 'gone', 'gina', clients);
    const b = await joined(server.wsUrl, 'gone', 'hank', clients);
    assertError(await call(server.url, 'DELETE', `/api/v1/apps/${APP.appId}/rooms/nosuch`), 404, 'unknown_room');
    assertError(await call(server.url, 'DELETE', `/api/v1/apps/nosuchapp/rooms/gone`), 404, 'unknown_app');
    const r = await call(server.url, 'DELETE', `/api/v1/apps/${APP.appId}/rooms/gone`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { roomId: 'gone', closed: true, members: 2 });
    for (const c of [a, b]) {
      const ev = await c.waitFor((f) => f.event === 'interrupted', 'interrupted');
      assert.deepEqual(ev.data, { errNo: 21914, errorType: 'I', errMsg: 'onRtcChatInterrupted:fail room gone was closed by the server' });
      assert.equal((await c.waitClosed()).code, 4012);
    }
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/gone/members`), 404, 'unknown_room');
    const rooms = await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms`);
    assert.ok(!rooms.body.rooms.some((x: { roomId: string }) => x.roomId === 'gone'));
    assertError(await call(server.url, 'DELETE', `/api/v1/apps/${APP.appId}/rooms/gone`), 404, 'unknown_room');
  });

  test('usage: off without a store', async () => {
    assertError(await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/usage`), 404, 'usage_disabled');
    assertError(await call(server.url, 'GET', '/api/v1/apps/nosuchapp/usage'), 404, 'unknown_app');
  });
});

describe('admin kick of a member whose connection is down', () => {
  test('its resume is refused with 21913, so its SDK does not join again', async () => {
    const server = await startTestServer({ adminKey: KEY });
    const clients: TestClient[] = [];
    try {
      const ivy = await joined(server.wsUrl, 'away', 'ivy', clients);
      const join = ivy.frames.find((f) => f.result && 'resumeToken' in f.result)!.result as { resumeToken: string };
      ivy.ws.terminate(); // lost, not closed: the member is kept for a resume
      await until(async () => (await call(server.url, 'GET', `/api/v1/apps/${APP.appId}/rooms/away/members`)).body.members?.[0]?.state === 'reconnecting', 'ivy reconnecting');
      assert.equal((await call(server.url, 'POST', `/api/v1/apps/${APP.appId}/rooms/away/members/ivy/kick`)).status, 200);
      const back = await TestClient.connect(server.wsUrl);
      clients.push(back);
      const r = await back.request('resumeSession', { resumeToken: join.resumeToken }, 'joinRtcRoom');
      assert.deepEqual(r.error, { errNo: 21913, errorType: 'I', errMsg: 'joinRtcRoom:fail kicked out of room away by the server' });
    } finally {
      for (const c of clients) c.ws.terminate();
      await server.close();
    }
  });
});
