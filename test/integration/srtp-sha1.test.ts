// Subscribers that negotiate only AES_CM_128_HMAC_SHA1_80 get their first picture promptly, join after
// join: a real server, a publisher sending real VP8 (aiortc's encoder, Debian python3-aiortc), and
// (a) aiortc subscribers that decode frames, (b) werift subscribers limited to SHA1_80. The server
// sends the keyframe it requests on connect; dropping any packet of it (as the server once did with
// the first packet of a SHA1_80 leg) leaves these clients frozen, since neither asks again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { sha1KeyframeTiming, type KeyframeTiming } from '../helpers/werift-sha1-subscriber.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../helpers/aiortc-client.py', import.meta.url));
const ROOM = 'sha1room';
const JOINS = 5;
const LIMIT_MS = 1000;

let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
let publisher: ChildProcessWithoutNullStreams | undefined;

/** Runs the aiortc script; resolves with its JSON lines once `until` accepts them (or it exits). */
function aiortc(cfg: object, until: (lines: Record<string, unknown>[]) => boolean, timeoutMs: number) {
  const child = spawn(PYTHON, [SCRIPT, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const lines: Record<string, unknown>[] = [];
  const done = new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aiortc: no result in ${timeoutMs} ms; got ${JSON.stringify(lines)}; stderr ${stderr.slice(-2000)}`)), timeoutMs);
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(JSON.parse(l) as Record<string, unknown>);
      if (until(lines)) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (until(lines)) resolve(lines);
      else reject(new Error(`aiortc exited ${code}; got ${JSON.stringify(lines)}; stderr ${stderr.slice(-2000)}`));
    });
  });
  return { child, done };
}

function base() {
  if (!server) throw new Error('server not started');
  return { wsUrl: server.wsUrl, appId: APP.appId, roomId: ROOM };
}

before(async () => {
  server = await startTestServer();
  const run = aiortc({ ...base(), publisher: { userId: 'pub', token: mintToken(ROOM, 'pub') } }, (l) => l.some((x) => x.published === true), 30_000);
  publisher = run.child;
  await run.done;
});

after(async () => {
  if (publisher && publisher.exitCode === null) {
    const exited = new Promise((r) => publisher!.once('exit', r));
    publisher.stdin.end(); // the script closes its connection and exits
    const t = setTimeout(() => publisher!.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  await server?.close();
});

test(`aiortc (SHA1_80 only) decodes its first frame within ${LIMIT_MS} ms of connecting, ${JOINS} joins out of ${JOINS}`, async () => {
  const subscribers = Array.from({ length: JOINS }, (_, i) => ({ userId: `aio${i}`, token: mintToken(ROOM, `aio${i}`, { publish: false }) }));
  const { done } = aiortc({ ...base(), subscribers, timeoutS: 4 }, (l) => l.length === JOINS, 90_000);
  const results = await done;
  const times = results.map((r) => r.connectedToFirstFrameMs as number | null);
  console.log(`aiortc connected → first decoded frame (ms): ${JSON.stringify(times)}`);
  for (const r of results) {
    assert.equal(typeof r.connectedToFirstFrameMs, 'number', `${r.userId as string}: no frame decoded (${JSON.stringify(r)})`);
    assert.ok((r.connectedToFirstFrameMs as number) < LIMIT_MS, `${r.userId as string}: first frame after ${r.connectedToFirstFrameMs as number} ms`);
    assert.equal(r.width, 320);
    assert.equal(r.height, 240);
  }
});

test(`werift limited to SHA1_80 gets an intact keyframe within ${LIMIT_MS} ms of connecting, on the fast path, ${JOINS} joins out of ${JOINS}`, async () => {
  const results: (KeyframeTiming | undefined)[] = [];
  for (let i = 0; i < JOINS; i++) {
    const userId = `wer${i}`;
    results.push(await sha1KeyframeTiming({ ...base(), userId, token: mintToken(ROOM, userId, { publish: false }) }, 4000));
  }
  console.log(`werift connected → first intact keyframe (ms): ${JSON.stringify(results.map((r) => (r ? Math.round(r.connectedToKeyframeMs * 10) / 10 : null)))}`);
  results.forEach((r, i) => {
    assert.ok(r, `join ${i}: no intact keyframe`);
    assert.equal(r.profile, 0x0001, 'SHA1_80 negotiated');
    assert.ok(r.connectedToKeyframeMs < LIMIT_MS, `join ${i}: keyframe after ${r.connectedToKeyframeMs} ms`);
    assert.ok(r.fastPath, `join ${i}: packets came through werift's path, not the fast one`);
  });
});
