import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeRecord } from '../cluster/node-record.ts';
import type { RemoteRoom } from '../cluster/room-directory.ts';
import type { Room } from '../room/room.ts';
import { ClusterAdmin, FORWARDED_HEADER } from './cluster-admin.ts';
import { AdminError } from './errors.ts';

const load = { rooms: 0, members: 0, peers: 0, forwardedPps: 0, receivedPps: 0, cpu: 0, sysload: 0 };
const node = (id: string, url: string): NodeRecord => ({ id, url, draining: false, sysloadLimit: 1, startedAt: 0, updatedAt: 0, load });
const summary = (roomId: string, members = 1) => ({ roomId, startedAt: '2026-01-01T00:00:00.000Z', members, visibleMembers: members, publishers: 0 });
const isCode = (code: string) => (e: unknown) => e instanceof AdminError && e.code === code;

function admin(remote: () => Promise<RemoteRoom[]>, holder?: NodeRecord, local?: string) {
  return new ClusterAdmin({
    nodeId: 'a',
    directory: { roomsOf: remote, nodeOf: async () => holder },
    rooms: { room: (_app, roomId) => (roomId === local ? ({} as Room) : undefined) },
  });
}
const req = { method: 'GET', target: '/api/v1/apps/x/rooms/r1/members', authorization: 'Bearer k', body: '' };

test('list: remote rooms added with their node, malformed summaries dropped, sorted by room then node', async () => {
  const remote: RemoteRoom[] = [
    { node: 'c', roomId: 'r2', summary: summary('r2', 3) },
    { node: 'b', roomId: 'r2', summary: { ...summary('r2'), worker: 1 } },
    { node: 'b', roomId: 'bad', summary: { roomId: 'bad', members: -1 } },
    { node: 'b', roomId: 'other', summary: summary('not-other') },
  ];
  const out = await admin(async () => remote).list('x', [{ ...summary('r1'), node: 'a' }]);
  assert.deepEqual(
    out.rooms.map((r) => [r.roomId, r.node, r.members, r.worker]),
    [
      ['r1', 'a', 1, undefined],
      ['r2', 'b', 1, 1],
      ['r2', 'c', 3, undefined],
    ],
  );
  await assert.rejects(admin(() => Promise.reject(new Error('Connection is closed.'))).list('x', []), isCode('cluster_unavailable'));
});

test('relay: a local room, an unpinned room or one of a gone node is answered here', async () => {
  const far = node('b', 'http://127.0.0.1:9');
  assert.equal(await admin(async () => [], far, 'r1').relay('x', 'r1', req), undefined);
  assert.equal(await admin(async () => []).relay('x', 'r1', req), undefined);
  await assert.rejects(admin(async () => []).relay('x', 'bad/id', req), isCode('bad_request'));
});

test('relay: forwards with the key and the loop guard, passes the answer back; a 401 or no answer is a clear error', async () => {
  let seen: Record<string, string | string[] | undefined> = {};
  let status = 200;
  const srv = createServer((r, res) => {
    seen = r.headers;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":1}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const out = await admin(async () => [], node('b', url)).relay('x', 'r1', req);
    assert.deepEqual({ ...out, body: out?.body.toString('utf8') }, { status: 200, contentType: 'application/json', body: '{"ok":1}', node: 'b' });
    assert.equal(seen.authorization, 'Bearer k');
    assert.equal(seen[FORWARDED_HEADER], 'a');
    status = 401;
    await assert.rejects(admin(async () => [], node('b', url)).relay('x', 'r1', req), isCode('cluster_key_mismatch'));
  } finally {
    srv.close();
  }
  // a closed port: refused at once
  await assert.rejects(admin(async () => [], node('b', 'http://127.0.0.1:9')).relay('x', 'r1', req), (e) => isCode('node_unreachable')(e) && /room r1 is on node b at http:\/\/127\.0\.0\.1:9, which cannot be reached/.test((e as Error).message));
});
