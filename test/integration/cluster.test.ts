// A cluster on one real redis-server (loopback, no persistence) and three `rtcroom serve --redis`
// processes: a room is pinned to one node and joins reaching another node are redirected to it,
// so members joining through different nodes see each other exactly as on one node; Redis down at
// start fails with exit code 3; Redis stopped mid-run leaves placed rooms working while new rooms
// get 21915, until Redis is back; a room another node took is given up by its old node (4013);
// a node killed with -9 leaves no member in Redis after its lease
// and its room is taken over; SIGTERM drains (no new rooms, exit once its room is empty; after the
// drain timeout the room's members are sent to rejoin, 4013, as on SIGINT); `doctor --redis` lists
// the nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { BENCH_APP, benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { until } from '../helpers/sdk-page.ts';
import { freePort } from '../helpers/origin-page.ts';

const BIN = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));

type ClusterHealth = { cluster?: { nodeId: string; redis: string; draining: boolean; nodes: { id: string; draining: boolean; load: { rooms: number } }[] } };

describe('cluster on Redis (3 nodes)', () => {
  let redis: TestRedis;
  let probe: Redis;
  const nodes: Record<string, ServerProcess> = {};
  const clients: TestClient[] = [];

  const startNode = (id: string, extra: string[] = []) => startServerProcess(['--redis', redis.url, '--node-id', id, '--drain-timeout', '30', ...extra], [], { pin: false });
  const health = async (id: string) => (await (await fetch(`${nodes[id]!.url}/healthz`)).json()) as ClusterHealth;

  /** Joins through `via`, following redirects; returns the client and the node ids it was sent to. */
  async function join(via: string, roomId: string, userId: string, extra: Record<string, unknown> = {}) {
    let url = nodes[via]!.wsUrl;
    const hops: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await TestClient.connect(url);
      clients.push(c);
      const reply = await c.request('joinRtcRoom', { appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId), ...extra });
      const redirect = (reply.result as { redirect?: { id: string; url: string } } | undefined)?.redirect;
      if (!redirect) return { client: c, reply, hops };
      hops.push(redirect.id);
      c.close();
      url = `${redirect.url.replace(/^http/, 'ws')}/rtc`;
    }
    throw new Error('redirected more than 3 times');
  }

  before(async () => {
    redis = await startRedis();
    probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    probe.on('error', () => undefined);
    await probe.connect();
    // a is never chosen for a new room while another node is under its limit (sysload limit 0)
    const [a, b, c] = await Promise.all([startNode('a', ['--sysload-limit', '0']), startNode('b', ['--sysload-limit', '1000']), startNode('c', ['--sysload-limit', '1000'])]);
    Object.assign(nodes, { a, b, c });
    for (const id of ['a', 'b', 'c']) await until(async () => (await health(id)).cluster?.nodes.length === 3, `${id} sees three nodes`, 10_000);
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const n of Object.values(nodes)) n.signal('SIGKILL');
    probe?.disconnect();
    await redis?.stop();
  });

  test('members joining one room through different nodes see each other; the join reply lists the other nodes', async () => {
    // b: the fewest rooms, under its limit and the node asked: the room stays there
    const alice = await join('b', 'cl1', 'alice');
    assert.deepEqual(alice.hops, []);
    // through a and c: sent to b
    const bob = await join('a', 'cl1', 'bob');
    const carol = await join('c', 'cl1', 'carol');
    assert.deepEqual(bob.hops, ['b']);
    assert.deepEqual(carol.hops, ['b']);
    assert.deepEqual((bob.reply.result as { members: string[] }).members, ['alice', 'bob']);
    // the same lists and events as on one node: the reply lists everyone, the others get a snapshot
    assert.deepEqual((carol.reply.result as { members: string[] }).members, ['alice', 'bob', 'carol']);
    for (const c of [alice.client, bob.client]) await c.waitMembers(['alice', 'bob', 'carol']);
    const cluster = (carol.reply.result as { cluster: { nodeId: string; nodes: { id: string; url: string }[] } }).cluster;
    assert.equal(cluster.nodeId, 'b');
    assert.deepEqual(cluster.nodes.map((n) => n.id).sort(), ['a', 'c']);
    assert.equal(cluster.nodes.find((n) => n.id === 'a')?.url, nodes.a!.url);
    // as on one node: a leave reaches the others, and a bad token is refused by the node asked
    carol.client.close();
    await alice.client.waitMembers(['alice', 'bob']);
    const bad = await TestClient.connect(nodes.c!.wsUrl);
    clients.push(bad);
    const refused = await bad.request('joinRtcRoom', { appId: BENCH_APP.appId, roomId: 'cl1', userId: 'mallory', token: benchToken('cl1', 'other') });
    assert.equal(refused.error?.errNo, 21101);
    // Redis: the pin, and the members under b's lease
    assert.equal(await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl1`), 'b');
    await until(async () => (await probe.hkeys('rtcroom:node:b:members')).sort().join() === `${BENCH_APP.appId} cl1 alice,${BENCH_APP.appId} cl1 bob`, 'members in Redis', 5000);
    // b's load as the others see it (renewed every second)
    await until(async () => (await health('c')).cluster?.nodes.find((n) => n.id === 'b')?.load.rooms === 1, "b's room in c's view", 5000);
    // a is over its sysload limit: a new room asked of a goes to c (b has a room)
    const dave = await join('a', 'cl2', 'dave');
    assert.deepEqual(dave.hops, ['c']);
    dave.client.close();
    bob.client.close();
    alice.client.close();
    await until(async () => (await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl1`)) === null, 'pin removed when the room empties', 5000);
  });

  test('doctor --redis: Redis answers, the live nodes and whether their URLs answer', () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--port', String(new URL(nodes.a!.url).port), '--rtc-ip', '127.0.0.1', '--redis', redis.url], { encoding: 'utf8', timeout: 30_000, cwd: '/tmp' });
    assert.match(r.stdout, /cluster\n\s+ok\s+Redis at redis:\/\/127\.0\.0\.1:\d+ answers \([\d.]+ ms\); 3 live node\(s\)/);
    for (const id of ['a', 'b', 'c']) assert.match(r.stdout, new RegExp(`ok\\s+node ${id} at ${nodes[id]!.url.replace(/\./g, '\\.')}: \\d+ rooms`));
  });

  test('Redis down at start: a clear message and exit code 3', async () => {
    const closed = await freePort();
    const cwd = mkdtempSync(joinPath(tmpdir(), 'rtcroom-cluster-'));
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--redis', `redis://127.0.0.1:${closed}`], { encoding: 'utf8', timeout: 20_000, cwd });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`rtcroom: cannot start: cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}`));
  });

  test('Redis stopped mid-run: a placed room keeps working, a new room gets 21915, all well again once Redis is back', async () => {
    const erin = await join('c', 'cl3', 'erin');
    assert.deepEqual(erin.hops, []);
    await redis.stop();
    await until(async () => (await health('c')).cluster?.redis === 'down', 'c sees Redis down', 5000);
    // the room placed on c takes a new member through c
    const frank = await join('c', 'cl3', 'frank');
    assert.deepEqual((frank.reply.result as { members: string[] }).members, ['erin', 'frank']);
    await erin.client.waitMembers(['erin', 'frank']);
    // a new room cannot be placed
    const lost = await join('b', 'cl4', 'gina');
    assert.equal(lost.reply.error?.errNo, 21915);
    assert.match(lost.reply.error?.errMsg ?? '', /^joinRtcRoom:fail cluster unavailable: Redis is unreachable/);
    await redis.start();
    await until(async () => (await health('b')).cluster?.redis === 'ready' && (await health('b')).cluster?.nodes.length === 3, 'b registered again', 10_000);
    const again = await join('b', 'cl4', 'gina');
    assert.ok(again.reply.result, JSON.stringify(again.reply));
    // c wrote its pin and members again
    await until(async () => (await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl3`)) === 'c', 'cl3 pinned to c again', 5000);
    await until(async () => (await probe.hkeys('rtcroom:node:c:members')).length === 2, "c's members again", 5000);
    for (const x of [erin, frank, again]) x.client.close();
  });

  test('a room another node took (a split) is given up by its old node within a renewal: its members move (4013)', async () => {
    const nia = await join('c', 'cl10', 'nia');
    const at = (nia.reply.result as { cluster: { nodeId: string } }).cluster.nodeId;
    assert.notEqual(at, 'a');
    // as if a had found that node unreachable and taken the room over
    await probe.set(`rtcroom:room:${BENCH_APP.appId}:cl10`, 'a');
    assert.equal((await nia.client.waitClosed(5000)).code, 4013);
    const back = await join('b', 'cl10', 'nia');
    assert.deepEqual(back.hops, ['a']);
    back.client.close();
  });

  test('kill -9 of a node: no ghost members in Redis after its lease, and its room is taken over', async () => {
    const h = await join('c', 'cl5', 'hank');
    assert.deepEqual(h.hops, []);
    await until(async () => (await probe.hkeys('rtcroom:node:c:members')).includes(`${BENCH_APP.appId} cl5 hank`), 'hank in Redis', 5000);
    nodes.c!.signal('SIGKILL');
    const killed = performance.now();
    await until(async () => (await probe.exists('rtcroom:node:c:members', 'rtcroom:node:c')) === 0, "c's members and record gone", 10_000);
    console.log(`# dead node's members gone from Redis ${Math.round(performance.now() - killed)} ms after kill -9`);
    // the room's pin still names c: a join through b finds c dead and takes the room
    const back = await join('b', 'cl5', 'hank');
    assert.deepEqual(back.hops, []);
    assert.deepEqual((back.reply.result as { members: string[] }).members, ['hank']);
    assert.equal(await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl5`), 'b');
    back.client.close();
    delete nodes.c;
  });

  test('SIGTERM drains: no new room lands on the node, it serves its room and exits once the room is empty', async () => {
    const ivy = await join('b', 'cl6', 'ivy');
    assert.deepEqual(ivy.hops, []);
    nodes.b!.signal('SIGTERM');
    await until(async () => (await health('a')).cluster?.nodes.find((n) => n.id === 'b')?.draining === true, 'b draining', 5000);
    // a new room asked of b goes to a (the only other node), even though a is over its limit
    const jack = await join('b', 'cl7', 'jack');
    assert.deepEqual(jack.hops, ['a']);
    // b's room still takes members
    const kim = await join('b', 'cl6', 'kim');
    assert.deepEqual(kim.hops, []);
    await ivy.client.waitMembers(['ivy', 'kim']);
    let exited = false;
    void nodes.b!.exited.then(() => (exited = true));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(exited, false, 'b waits for its room');
    ivy.client.close();
    kim.client.close();
    assert.equal(await nodes.b!.exited, 0);
    assert.equal(await probe.exists('rtcroom:node:b'), 0, 'b left the cluster');
    delete nodes.b;
    jack.client.close();
  });

  test('drain timeout: the members of a room still open are sent to rejoin (4013) and their room lands on another node', async () => {
    nodes.d = await startServerProcess(['--redis', redis.url, '--node-id', 'd', '--drain-timeout', '1', '--sysload-limit', '1000'], [], { pin: false });
    await until(async () => (await health('a')).cluster?.nodes.some((n) => n.id === 'd'), 'd registered', 5000);
    // d has the fewest rooms (a holds one) and is under its limit
    const lou = await join('a', 'cl8', 'lou');
    assert.deepEqual(lou.hops, ['d']);
    nodes.d.signal('SIGTERM');
    const closed = await lou.client.waitClosed(10_000);
    assert.equal(closed.code, 4013);
    assert.equal(await nodes.d.exited, 0);
    delete nodes.d;
    assert.equal(await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl8`), null, 'the pin was given up');
    // joining again (as the SDK does on 4013) places the room on a live node: a, the only one left
    const back = await join('a', 'cl8', 'lou');
    assert.deepEqual(back.hops, []);
    assert.deepEqual((back.reply.result as { members: string[] }).members, ['lou']);
    back.client.close();
  });

  test('SIGINT (no drain): the members are sent to rejoin on another node (4013) rather than cut (1001)', async () => {
    nodes.e = await startServerProcess(['--redis', redis.url, '--node-id', 'e', '--sysload-limit', '1000'], [], { pin: false });
    await until(async () => (await health('a')).cluster?.nodes.some((n) => n.id === 'e'), 'e registered', 5000);
    const mo = await join('e', 'cl9', 'mo');
    assert.deepEqual(mo.hops, []);
    nodes.e.signal('SIGINT');
    assert.equal((await mo.client.waitClosed(10_000)).code, 4013);
    assert.equal(await nodes.e.exited, 0);
    delete nodes.e;
    assert.equal(await probe.get(`rtcroom:room:${BENCH_APP.appId}:cl9`), null, 'the pin was given up');
  });
});
