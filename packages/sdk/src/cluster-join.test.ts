// The SDK's side of cluster redirects, against small WebSocket servers (Node's WebSocket client).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { RtcError } from '@rtcroom/protocol/errors';
import { joinFollowingRedirects } from './cluster-join.ts';

type Reply = (params: Record<string, unknown>) => unknown;

const servers: WebSocketServer[] = [];
after(() => servers.forEach((s) => s.close()));

/** A signaling stand-in answering `joinRtcRoom` with `reply`; records the params it got. */
async function node(reply: Reply): Promise<{ ws: string; http: string; got: Record<string, unknown>[]; closed: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const got: Record<string, unknown>[] = [];
  let closed = 0;
  wss.on('connection', (sock) => {
    sock.on('close', () => closed++);
    sock.on('message', (d) => {
      const f = JSON.parse(String(d)) as { id: number; params: Record<string, unknown> };
      got.push(f.params);
      sock.send(JSON.stringify({ id: f.id, result: reply(f.params) }));
    });
  });
  const { port } = wss.address() as { port: number };
  return { ws: `ws://127.0.0.1:${port}/rtc`, http: `http://127.0.0.1:${port}`, got, closed: () => closed };
}

const params = { appId: 'app', roomId: 'r', userId: 'u', token: 't' };
const handlers = { onEvent: () => undefined, onLost: () => undefined };
const joined = { roomId: 'r', userId: 'u', members: ['u'], cluster: { nodeId: 'b', nodes: [] } };

test('a redirect is followed to the room node; the first connection is closed', async () => {
  const b = await node(() => joined);
  const a = await node(() => ({ redirect: { id: 'b', url: b.http } }));
  const r = await joinFollowingRedirects({ url: a.ws }, params, handlers);
  assert.equal(r.url, b.ws);
  assert.deepEqual(r.join.members, ['u']);
  assert.deepEqual(b.got, [params]);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(a.closed(), 1);
  r.signal.close();
});

test('an unreachable redirect target: the first node is asked again naming it, once', async () => {
  const gone = await node(() => joined);
  const goneUrl = gone.http;
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
  // a takes the room over once told x is unreachable
  const a = await node((p) => ((p.avoidNodes as string[] | undefined)?.includes('x') ? joined : { redirect: { id: 'x', url: goneUrl } }));
  const avoid = new Set<string>();
  const r = await joinFollowingRedirects({ url: a.ws, avoid, connectTimeoutMs: 2000 }, params, handlers);
  assert.equal(r.url, a.ws);
  assert.deepEqual(a.got.map((p) => p.avoidNodes), [undefined, ['x']]);
  assert.deepEqual([...avoid], ['x']);
  r.signal.close();
  // a node that keeps sending the client there: connectionFailed after the second try
  const stubborn = await node(() => ({ redirect: { id: 'x', url: goneUrl } }));
  await assert.rejects(joinFollowingRedirects({ url: stubborn.ws, connectTimeoutMs: 2000 }, params, handlers), (e: unknown) => e instanceof RtcError && e.code === 'connectionFailed');
  assert.equal(stubborn.got.length, 2);
});

test('a room that keeps moving fails after 3 redirects with joinFailed', async () => {
  const loop = await node(() => ({ redirect: { id: 'self', url: loopUrl() } }));
  const loopUrl = () => loop.http;
  await assert.rejects(joinFollowingRedirects({ url: loop.ws }, params, handlers), (e: unknown) => e instanceof RtcError && e.code === 'joinFailed' && /moved more than 3 times/.test(e.errMsg));
  assert.equal(loop.got.length, 4);
});
