// Killed members: ten publishers (headless werift clients, each its own process, sending media)
// are killed with SIGKILL, 300 ms apart; each must leave the others' lists within 5 s.
// The worst case is printed for BENCHMARKS.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { APP, mintToken } from '../helpers/server.ts';
import { serverWithClients } from '../helpers/clients.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRIES = 10;
const f = serverWithClients();

/** A publisher in its own process; resolves once it sends media. */
function publisher(userId: string): Promise<ChildProcess> {
  const script = `
    import { HeadlessPublisher } from './bench/lib/headless-client.ts';
    const p = await HeadlessPublisher.join(${JSON.stringify({ wsUrl: f.server.wsUrl, appId: APP.appId, roomId: 'ghosts', userId, token: mintToken('ghosts', userId) })});
    p.start();
    console.log('sending');
    setTimeout(() => process.exit(0), 120000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('sending') && resolve(child));
    child.on('exit', (code) => reject(new Error(`publisher ${userId} exited ${code}`)));
  });
}

test(`a killed member leaves every list within 5 s (${TRIES} kills)`, async () => {
  const watcher = await f.connect();
  await watcher.request('joinRtcRoom', { appId: APP.appId, roomId: 'ghosts', userId: 'watcher', token: mintToken('ghosts', 'watcher') });
  const ids = Array.from({ length: TRIES }, (_, i) => `g${i}`);
  const children: ChildProcess[] = [];
  try {
    for (const id of ids) children.push(await publisher(id));
    await watcher.waitMembers(['watcher', ...ids], 10_000);
    // kills 300 ms apart; each removal is timed from its own kill
    const killedAt = new Map<string, number>();
    const goneAt = new Map<string, number>();
    children.forEach((child, i) => setTimeout(() => (killedAt.set(ids[i]!, performance.now()), child.kill('SIGKILL')), i * 300));
    const deadline = performance.now() + 3000 + 8000;
    while (goneAt.size < ids.length && performance.now() < deadline) {
      const listed = new Set(watcher.lastMembers());
      for (const id of killedAt.keys()) if (!listed.has(id) && !goneAt.has(id)) goneAt.set(id, performance.now());
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(goneAt.size, ids.length, `still listed: ${ids.filter((id) => !goneAt.has(id)).join(', ')}`);
    const times = ids.map((id) => goneAt.get(id)! - killedAt.get(id)!);
    const worst = Math.max(...times);
    console.log(`# killed members left the lists after (ms): ${times.map((t) => Math.round(t)).join(', ')}; worst ${Math.round(worst)}`);
    assert.ok(worst < 5000, `worst ${Math.round(worst)} ms`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});
