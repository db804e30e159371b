// Hostile signaling input over real sockets: deep nesting is refused before parsing, big frames use
// the rate limit faster, one address cannot hold unbounded connections, and a stalled event loop
// never gets healthy members closed for pings it had not read yet.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { APP, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { WebSocket } from 'ws';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('signaling hardening', () => {
  const f = serverWithClients({ maxConnectionsPerAddress: 6, heartbeatTimeoutMs: 1500 });

  test('a deeply nested frame gets a 20000 error without being parsed; the session goes on', async () => {
    const c = await f.connect();
    const deep = `{"id":7,"method":"ping","params":${'['.repeat(32_000)}${']'.repeat(32_000)}}`;
    const t0 = performance.now();
    c.sendRaw(deep);
    const err = await c.waitFor((fr) => fr.error !== undefined, 'depth error');
    assert.equal(err.error?.errNo, 20000);
    assert.match(err.error?.errMsg ?? '', /nests deeper than 16 levels/);
    assert.ok(performance.now() - t0 < 1000);
    const pong = await c.request('ping');
    assert.ok(pong.result?.serverTime);
  });

  test('64 KiB frames spend the rate limit 16 times faster than pings', async () => {
    const c = await f.connect();
    const big = JSON.stringify({ id: 1, method: 'ping', params: {}, pad: 'x'.repeat(64 * 1024 - 60) });
    let sent = 0;
    for (; sent < 200 && !c.closed; sent++) {
      c.sendRaw(big);
      if (sent % 5 === 4) await new Promise((r) => setTimeout(r, 1));
    }
    const closed = await c.waitClosed();
    assert.equal(closed.code, 4029);
    // a burst of 200 messages is 12 frames of 64 KiB
    const replies = c.frames.filter((fr) => fr.id !== undefined).length;
    assert.ok(replies <= 14, `${replies} big frames were served before the cut`);
  });

  test('one address holds at most maxConnectionsPerAddress connections; others keep working', async () => {
    // (earlier tests' sockets are closed by now or closing: wait for the count to settle)
    await new Promise((r) => setTimeout(r, 300));
    const held: TestClient[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        held.push(await TestClient.connect(f.server.wsUrl));
      } catch {
        break;
      }
    }
    assert.ok(held.length >= 5, `only ${held.length} connections opened`);
    const refused = await TestClient.connect(f.server.wsUrl).then(
      (c) => (c.ws.terminate(), false),
      () => true,
    );
    assert.equal(refused, true, 'a connection beyond the cap is refused');
    // the held ones still work
    for (const c of held) assert.ok((await c.request('ping')).result);
    held[0]!.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await TestClient.connect(f.server.wsUrl);
    assert.ok((await again.request('ping')).result);
    for (const c of [...held, again]) c.ws.terminate();
  });

  test('an event-loop stall longer than the heartbeat timeout closes no healthy member', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const watcher = await f.connect();
    await watcher.request('joinRtcRoom', { appId: APP.appId, roomId: 'stall', userId: 'watcher', token: mintToken('stall', 'watcher') });
    // a member in another process pings every 300 ms, whatever this process does
    const script = `
      const ws = new WebSocket(${JSON.stringify(f.server.wsUrl)});
      let id = 1;
      ws.addEventListener('open', () => {
        ws.send(JSON.stringify({ id: id++, method: 'joinRtcRoom', params: ${JSON.stringify({ appId: APP.appId, roomId: 'stall', userId: 'pinger', token: mintToken('stall', 'pinger') })} }));
        setInterval(() => ws.send(JSON.stringify({ id: id++, method: 'ping' })), 300);
      });
      ws.addEventListener('close', (e) => { console.log('closed ' + e.code); process.exit(0); });
      setTimeout(() => process.exit(0), 8000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await watcher.waitMembers(['watcher', 'pinger']).catch((e: Error) => {
        throw new Error(`${e.message}; pinger printed: ${out}`);
      });
      // the server (this process) stalls for 2.5 s: the pinger's pings wait unread in the socket
      const until = performance.now() + 2500;
      while (performance.now() < until) {
        /* busy */
      }
      await new Promise((r) => setTimeout(r, 1500));
      assert.doesNotMatch(out, /closed/, 'the pinger was closed after the stall');
      assert.deepEqual(watcher.lastMembers(), ['watcher', 'pinger']);
    } finally {
      child.kill();
    }
  });

  // the server's header timeout (HEADERS_TIMEOUT_MS in packages/server/src/http/connection-limit.ts)
  const HEADERS_TIMEOUT_MS = 10_000;

  test('a half-open upgrade (headers never finished) is closed within the header timeout', async () => {
    const url = new URL(f.server.wsUrl);
    const t0 = performance.now();
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.on('connect', () => socket.write(`GET /rtc HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const took = performance.now() - t0;
    // Node checks its timeouts every connectionsCheckingInterval (30 s by default; the server sets 1 s)
    assert.ok(took >= HEADERS_TIMEOUT_MS - 100 && took < HEADERS_TIMEOUT_MS + 2500, `closed after ${Math.round(took)} ms`);
  });

  test('a burst of frames on one socket is served one message per event-loop turn', async () => {
    await new Promise((r) => setTimeout(r, 300));
    // server and client share this process: count its event-loop turns and note the turn each
    // reply arrives in. Served all in one turn, the 100 replies would come in one or two chunks.
    const ws = new WebSocket(f.server.wsUrl);
    await new Promise((r) => ws.once('open', r));
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    const seen = new Set<number>();
    let replies = 0;
    const done = new Promise<void>((resolve) =>
      ws.on('message', () => {
        seen.add(turns);
        if (++replies === 100) resolve();
      }),
    );
    count();
    for (let i = 0; i < 100; i++) ws.send(i % 2 ? `{"id":${i},"method":"ping"}` : 'not json');
    await done;
    counting = false;
    ws.terminate();
    assert.ok(seen.size >= 20, `100 replies arrived in ${seen.size} turns`);
  });
});

describe('idle sockets', () => {
  const f = serverWithClients({ idleSessionMs: 800 });

  test('a socket that joins nothing and asks nothing is closed, even though it answers pings; a member is not', async () => {
    const idle = await f.connect();
    const member = await f.connect();
    await member.request('joinRtcRoom', { appId: APP.appId, roomId: 'idle', userId: 'stays', token: mintToken('idle', 'stays') });
    const closed = await idle.waitClosed(4000);
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /^idle: no request and no room/);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(member.closed, undefined, 'a member answering pings is kept');
    assert.ok((await member.request('ping')).result);
  });
});
