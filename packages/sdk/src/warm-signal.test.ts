// The socket opened ahead of the join, against a small WebSocket server (Node's WebSocket client).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { EventFrame } from '@rtcroom/protocol';
import { joinFollowingRedirects } from './cluster-join.ts';
import { WarmSignal } from './warm-signal.ts';

const servers: WebSocketServer[] = [];
after(() => servers.forEach((s) => s.close()));

/** A server answering every request with `{ok: <method>}`; counts connections and keeps the sockets. */
async function server(): Promise<{ url: string; sockets: ServerSocket[]; closed: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets: ServerSocket[] = [];
  let closed = 0;
  wss.on('connection', (sock) => {
    sockets.push(sock);
    sock.on('close', () => closed++);
    sock.on('message', (d) => {
      const f = JSON.parse(String(d)) as { id: number; method: string };
      sock.send(JSON.stringify({ id: f.id, result: f.method === 'joinRtcRoom' ? { roomId: 'r', userId: 'u', members: ['u'] } : { ok: f.method } }));
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/rtc`, sockets, closed: () => closed };
}

const until = async (fn: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), what);
};

test('the join gets the socket opened ahead, with its events and its loss', async () => {
  const s = await server();
  const warm = new WarmSignal(s.url);
  await until(() => s.sockets.length === 1, 'the socket opens before it is taken');
  const events: EventFrame[] = [];
  const lost: string[] = [];
  const client = await warm.take({ onEvent: (f) => events.push(f), onLost: (r) => lost.push(r) });
  assert.ok(client);
  assert.deepEqual(await client.request('ping', {}), { ok: 'ping' });
  s.sockets[0]!.send(JSON.stringify({ event: 'rtcChatMembersChanged', data: { userIdList: ['u'] } }));
  await until(() => events.length === 1, 'the event reaches the handlers given to take');
  assert.equal(events[0]!.event, 'rtcChatMembersChanged');
  // only the first take gets it
  assert.equal(await warm.take({ onEvent: () => undefined, onLost: () => undefined }), undefined);
  s.sockets[0]!.close(1011, 'gone');
  await until(() => lost.length === 1, 'the loss reaches the handlers given to take');
  assert.equal(s.sockets.length, 1, 'no other socket was opened');
});

test('a socket the server closed, one too old, one never opened: no socket (the join connects itself)', async () => {
  const s = await server();
  const none = { onEvent: () => undefined, onLost: () => undefined };
  const closedByServer = new WarmSignal(s.url);
  await until(() => s.sockets.length === 1, 'open');
  s.sockets[0]!.close(4001, 'idle');
  await until(() => s.closed() === 1, 'closed');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await closedByServer.take(none), undefined);
  const old = new WarmSignal(s.url, 30);
  await until(() => s.sockets.length === 2, 'open');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(await old.take(none), undefined);
  await until(() => s.closed() === 2, 'the old socket is closed');
  const refused = new WarmSignal('ws://127.0.0.1:9/rtc');
  assert.equal(await refused.take(none), undefined);
  // still opening when taken: the join waits for it rather than opening another
  const opening = new WarmSignal(s.url);
  const c = await opening.take(none);
  assert.ok(c);
  assert.equal(s.sockets.length, 3);
  c.close();
  // close() before any join closes it
  const unused = new WarmSignal(s.url);
  await until(() => s.sockets.length === 4, 'open');
  unused.close();
  await until(() => s.closed() === 4, 'closed by close()');
});

test('a warm socket that closed just before the join was sent: the join connects again, once', async () => {
  const s = await server();
  const warm = new WarmSignal(s.url);
  const handlers = { onEvent: () => undefined, onLost: () => undefined };
  const opened = await warm.take(handlers);
  assert.ok(opened);
  // the socket dies between take() and the join request (the server's idle timer, a network change)
  opened.close();
  const r = await joinFollowingRedirects({ url: s.url, opened }, { appId: 'a', roomId: 'r', userId: 'u', token: 't' }, handlers);
  assert.deepEqual(r.join.members, ['u']);
  assert.equal(s.sockets.length, 2, 'a second socket carried the join');
  r.signal.close();
});
