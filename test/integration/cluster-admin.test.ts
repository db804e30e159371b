// The admin API and /metrics of a cluster answer for the whole cluster from any node: a real
// redis-server and three `rtcroom serve --redis` processes (a and b share one admin key; c has
// another, to see the clear error a mismatch gives). Rooms of every node are listed from either
// node; members of a room on another node are read there; a kick and a room close sent to one
// node reach the room's node (its client sees 21913/21914 and close 4012); a forwarded request is
// never forwarded again; usage records of every node in one PostgreSQL are reported by any node;
// a node killed with -9 answers 503 until its lease ends, then its rooms
// are gone from the list; /metrics of any node has the cluster gauges; Redis down gives a clear 503.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BENCH_APP, benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { until } from '../helpers/sdk-page.ts';
import { scrape, value } from '../helpers/metrics.ts';

const KEY = 'cluster-admin-key-0123456789';
const OTHER_KEY = 'another-admin-key-0123456789';
const APP = BENCH_APP.appId;

type RoomRow = { roomId: string; node: string; members: number; visibleMembers: number; publishers: number; startedAt: string };

describe('cluster-wide admin API and metrics (3 nodes)', () => {
  let redis: TestRedis;
  let pg: TestPostgres;
  const nodes: Record<string, ServerProcess> = {};
  const clients: TestClient[] = [];

  // usage records of every node in one PostgreSQL
  const startNode = (id: string, key: string) => startServerProcess(['--redis', redis.url, '--node-id', id, '--sysload-limit', '1000', '--admin-key', key, '--database', pg.url], [], { pin: false });

  /** An admin request to node `via`; the status and parsed body. */
  async function call(via: string, method: string, path: string, opts: { key?: string; headers?: Record<string, string>; body?: string } = {}) {
    const r = await fetch(`${nodes[via]!.url}${path}`, { method, headers: { authorization: `Bearer ${opts.key ?? KEY}`, ...opts.headers }, body: opts.body });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  }
  const rooms = async (via: string) => {
    const r = await call(via, 'GET', `/api/v1/apps/${APP}/rooms`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as { rooms: RoomRow[] }).rooms;
  };
  /** The errNo of the client's `interrupted` event. */
  const interruption = async (c: TestClient) => ((await c.waitFor((f) => f.event === 'interrupted', 'interrupted')).data as unknown as { errNo: number }).errNo;
  const roomsOf = (list: RoomRow[], roomId: string) => list.filter((r) => r.roomId === roomId);

  /** Joins `roomId` on node `via`; a new room is placed there (the join says it could not reach the other nodes). */
  async function join(via: string, roomId: string, userId: string) {
    const c = await TestClient.connect(nodes[via]!.wsUrl);
    clients.push(c);
    const avoidNodes = ['a', 'b', 'c'].filter((id) => id !== via);
    const reply = await c.request('joinRtcRoom', { appId: APP, roomId, userId, token: benchToken(roomId, userId), avoidNodes });
    assert.equal((reply.result as { cluster?: { nodeId: string } } | undefined)?.cluster?.nodeId, via, JSON.stringify(reply));
    return c;
  }

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    const [a, b, c] = await Promise.all([startNode('a', KEY), startNode('b', KEY), startNode('c', OTHER_KEY)]);
    Object.assign(nodes, { a, b, c });
    await until(async () => ((await (await fetch(`${a.url}/healthz`)).json()) as { cluster: { nodes: unknown[] } }).cluster.nodes.length === 3, 'a sees three nodes', 10_000);
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const n of Object.values(nodes)) {
      try {
        n.signal('SIGKILL');
      } catch {
        // killed by the test already
      }
    }
    await Promise.all([redis?.stop(), pg?.stop()]);
  });

  test('rooms of every node are listed from any node; members, kick and close of a room on another node', async () => {
    const alice = await join('a', 'ra', 'alice');
    const bob = await join('b', 'rb', 'bob');
    const bea = await join('b', 'rb', 'bea');
    const carl = await join('b', 'rc', 'carl');
    await bob.waitMembers(['bob', 'bea']);
    const want = (list: RoomRow[]) => ['ra', 'rb', 'rc'].every((id) => roomsOf(list, id).length === 1) && roomsOf(list, 'rb')[0]!.members === 2;
    for (const via of ['a', 'b']) await until(async () => want(await rooms(via)), `all rooms listed by ${via}`, 5000);
    const listed = await rooms('a');
    const before = Date.now();
    assert.deepEqual(
      listed.filter((r) => r.roomId.startsWith('r')).map(({ roomId, node, members, visibleMembers, publishers }) => ({ roomId, node, members, visibleMembers, publishers })),
      [
        { roomId: 'ra', node: 'a', members: 1, visibleMembers: 1, publishers: 0 },
        { roomId: 'rb', node: 'b', members: 2, visibleMembers: 2, publishers: 0 },
        { roomId: 'rc', node: 'b', members: 1, visibleMembers: 1, publishers: 0 },
      ],
    );
    for (const r of listed) assert.ok(Math.abs(Date.parse(r.startedAt) - before) < 60_000, r.startedAt);
    // the same rooms from b
    assert.deepEqual((await rooms('b')).map((r) => `${r.roomId}@${r.node}`), listed.map((r) => `${r.roomId}@${r.node}`));

    // members of a room on b, asked of a: b's own answer
    const m = await call('a', 'GET', `/api/v1/apps/${APP}/rooms/rb/members`);
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.equal((m.body.room as RoomRow).node, 'b');
    assert.deepEqual((m.body.members as { userId: string; state: string }[]).map((x) => `${x.userId}:${x.state}`), ['bob:connected', 'bea:connected']);
    // a forwarded request is answered by its receiver alone: never forwarded again (no loop)
    const looped = await call('a', 'GET', `/api/v1/apps/${APP}/rooms/rb/members`, { headers: { 'x-rtcroom-forwarded-by': 'b' } });
    assert.equal(looped.status, 404);
    assert.equal(looped.body.error?.code, 'unknown_room');
    // validation happens on the node asked, and errors of the room's node come back as they are
    assert.equal((await call('a', 'GET', `/api/v1/apps/${APP}/rooms/bad%2Fid/members`)).body.error?.code, 'bad_request');
    assert.equal((await call('a', 'POST', `/api/v1/apps/${APP}/rooms/rb/members/nobody/kick`)).body.error?.code, 'unknown_user');
    assert.equal((await call('a', 'POST', `/api/v1/apps/${APP}/rooms/rb/members/bea/mute`, { body: '{"streamType":"nope"}' })).body.error?.code, 'bad_request');
    assert.equal((await call('a', 'GET', `/api/v1/apps/${APP}/rooms/nosuch/members`)).body.error?.code, 'unknown_room');

    // kick bea (on b) through a: she is interrupted with 21913 and her socket closed with 4012
    const kicked = await call('a', 'POST', `/api/v1/apps/${APP}/rooms/rb/members/bea/kick`);
    assert.equal(kicked.status, 200, JSON.stringify(kicked.body));
    assert.deepEqual(kicked.body, { roomId: 'rb', userId: 'bea', kicked: true });
    assert.equal(await interruption(bea), 21913);
    assert.equal((await bea.waitClosed()).code, 4012);
    await bob.waitMembers(['bob']);
    // mute through a: nothing published, nothing stopped, but answered by b
    const muted = await call('a', 'POST', `/api/v1/apps/${APP}/rooms/rb/members/bob/mute`, { body: '{"streamType":"audio"}' });
    assert.deepEqual(muted.body, { roomId: 'rb', userId: 'bob', streamType: 'audio', stopped: [] });

    // close rc (on b) through a
    const closed = await call('a', 'DELETE', `/api/v1/apps/${APP}/rooms/rc`);
    assert.deepEqual(closed.body, { roomId: 'rc', closed: true, members: 1 });
    assert.equal(await interruption(carl), 21914);
    assert.equal((await carl.waitClosed()).code, 4012);
    await until(async () => roomsOf(await rooms('a'), 'rc').length === 0 && roomsOf(await rooms('a'), 'rb')[0]?.members === 1, 'rc gone and rb down to 1 in the list', 5000);
    alice.close();
    bob.close();
    // usage: the calls of both nodes, from either node (one shared database)
    for (const via of ['a', 'b']) {
      await until(async () => {
        const u = await call(via, 'GET', `/api/v1/apps/${APP}/usage`);
        const calls = Object.fromEntries((u.body.rooms as { roomId: string; calls: number }[]).map((r) => [r.roomId, r.calls]));
        return calls.ra === 1 && calls.rb === 1 && calls.rc === 1;
      }, `${via}: usage of ra (on a), rb and rc (on b)`, 5000);
    }
  });

  test('a node with another admin key: a clear 502 instead of a misleading 401', async () => {
    const cora = await join('c', 'rk', 'cora');
    await until(async () => roomsOf(await rooms('a'), 'rk').length === 1, 'rk listed by a', 5000);
    const r = await call('a', 'GET', `/api/v1/apps/${APP}/rooms/rk/members`);
    assert.equal(r.status, 502);
    assert.equal(r.body.error?.code, 'cluster_key_mismatch');
    assert.match(r.body.error?.message ?? '', /same --admin-key/);
    cora.close();
  });

  test('/metrics of any node has the cluster gauges, per node from the node records', async () => {
    const dora = await join('a', 'rm1', 'dora');
    const ed = await join('b', 'rm2', 'ed');
    const fay = await join('b', 'rm2', 'fay');
    await ed.waitMembers(['ed', 'fay']);
    for (const via of ['a', 'b']) {
      await until(async () => {
        const s = await scrape(nodes[via]!.url);
        return value(s, 'rtcroom_cluster_node_members', { node: 'b' }) === 2 && value(s, 'rtcroom_cluster_node_rooms', { node: 'a' }) === 1;
      }, `${via}: b's members in the gauges`, 5000);
      const s = await scrape(nodes[via]!.url);
      assert.equal(value(s, 'rtcroom_cluster_nodes'), 3);
      assert.equal(value(s, 'rtcroom_cluster_rooms'), 2);
      assert.equal(value(s, 'rtcroom_cluster_members'), 3);
      assert.equal(value(s, 'rtcroom_cluster_redis_up'), 1);
      assert.equal(value(s, 'rtcroom_cluster_node_rooms', { node: 'c' }), 0);
      assert.equal(value(s, 'rtcroom_cluster_node_draining', { node: 'a' }), 0);
      // the process's own figures stay local
      assert.equal(value(s, 'rtcroom_members'), via === 'a' ? 1 : 2);
    }
    for (const c of [dora, ed, fay]) c.close();
  });

  test('a node killed with -9: 503 for its room until its lease ends, then its rooms are gone from the list', async () => {
    const gil = await join('c', 'rd', 'gil');
    await until(async () => roomsOf(await rooms('a'), 'rd').length === 1, 'rd listed by a', 5000);
    nodes.c!.signal('SIGKILL');
    gil.ws.terminate();
    const r = await call('a', 'DELETE', `/api/v1/apps/${APP}/rooms/rd`);
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'node_unreachable');
    assert.match(r.body.error?.message ?? '', /room rd is on node c at http:\/\/127\.0\.0\.1:\d+, which cannot be reached/);
    await until(async () => roomsOf(await rooms('a'), 'rd').length === 0, "c's room gone from a's list", 10_000);
    assert.ok(!(await rooms('b')).some((x) => x.node === 'c'));
    assert.equal((await call('a', 'DELETE', `/api/v1/apps/${APP}/rooms/rd`)).body.error?.code, 'unknown_room');
    await until(async () => value(await scrape(nodes.a!.url), 'rtcroom_cluster_nodes') === 2, 'two nodes in the gauges', 5000);
  });

  test('Redis down: the cluster-wide list fails with a clear 503; a node still answers for its own rooms', async () => {
    const hal = await join('a', 'rr', 'hal');
    await redis.stop();
    await until(async () => value(await scrape(nodes.a!.url), 'rtcroom_cluster_redis_up') === 0, 'a sees Redis down', 5000);
    const r = await call('a', 'GET', `/api/v1/apps/${APP}/rooms`);
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, 'cluster_unavailable');
    const own = await call('a', 'GET', `/api/v1/apps/${APP}/rooms`, { headers: { 'x-rtcroom-forwarded-by': 'me' } });
    assert.deepEqual((own.body as { rooms: RoomRow[] }).rooms.map((x) => `${x.roomId}@${x.node}`), ['rr@a']);
    // a room of this node needs no Redis
    assert.equal((await call('a', 'GET', `/api/v1/apps/${APP}/rooms/rr/members`)).status, 200);
    assert.equal((await call('a', 'GET', `/api/v1/apps/${APP}/rooms/elsewhere/members`)).body.error?.code, 'cluster_unavailable');
    hal.close();
  });
});
