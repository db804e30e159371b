// Hostile signaling input over real sockets: deep nesting is refused before parsing, big frames use
// the rate limit faster, one address cannot hold unbounded connections, and a stalled event loop
// never gets healthy members closed for pings it had not read yet.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { APP, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';
import { TestClient } from '../helpers/ws-client.ts';

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
