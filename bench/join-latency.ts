// Join-reply latency on loopback: a real server process, real WebSocket clients.
//   npm run bench -- join [--joins 200] [--concurrency 1,20]
// For each concurrency level, `joins` clients connect first, then send joinRtcRoom (into one room);
// the figure is request-sent → reply-received. The server runs as its own process (pinned to core 0
// with taskset when available; the clients on core 1).
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { AccessToken, Privileges } from '@rtcroom/token';
import { percentile, printTable, writeResult } from './report.ts';

const APP = { appId: 'bench0000000000000000000', appKey: 'bench-key' };

function token(roomId: string, userId: string): string {
  const t = new AccessToken(APP.appId, APP.appKey, roomId, userId);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return t.expireTime(exp).addPrivilege(Privileges.PublishStream, exp).addPrivilege(Privileges.SubscribeStream, exp).serialize();
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

async function startServer(): Promise<{ url: string; stop(): void; pinned: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-bench-'));
  writeFileSync(join(dir, 'apps.json'), JSON.stringify([APP]));
  const bin = fileURLToPath(new URL('../packages/server/bin/rtcroom.js', import.meta.url));
  const args = [bin, 'serve', '--port', '0', '--apps', join(dir, 'apps.json'), '--log-level', 'warn'];
  const child = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args]) : spawn(process.execPath, args);
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  return { url, stop: () => child.kill('SIGTERM'), pinned: hasTaskset ? 'server on core 0, clients on core 1 (taskset)' : 'not pinned (no taskset)' };
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function joinOnce(ws: WebSocket, roomId: string, userId: string): Promise<number> {
  const params = { appId: APP.appId, roomId, userId, token: token(roomId, userId) };
  return new Promise((resolve, reject) => {
    const onMessage = (d: unknown) => {
      const f = JSON.parse(String(d)) as { id?: number; error?: { errMsg: string } };
      if (f.id !== 1) return;
      ws.off('message', onMessage);
      if (f.error) reject(new Error(f.error.errMsg));
      else resolve(performance.now() - t0);
    };
    ws.on('message', onMessage);
    const t0 = performance.now();
    ws.send(JSON.stringify({ id: 1, method: 'joinRtcRoom', params }));
  });
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { joins: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '1,20' } } });
  const joins = Math.min(1000, Math.max(1, Number(values.joins)));
  const levels = values.concurrency.split(',').map(Number).filter((n) => n >= 1 && n <= joins);
  const server = await startServer();
  const wsUrl = `${server.url.replace('http', 'ws')}/rtc`;
  const rows: Record<string, string | number>[] = [];
  try {
    for (const [i, conc] of levels.entries()) {
      const sockets = await Promise.all(Array.from({ length: joins }, () => connect(wsUrl)));
      const lat: number[] = [];
      const roomId = `bench_${i}`;
      for (let start = 0; start < joins; start += conc) {
        const batch = sockets.slice(start, start + conc);
        lat.push(...(await Promise.all(batch.map((ws, k) => joinOnce(ws, roomId, `u${start + k}`)))));
      }
      rows.push({
        concurrency: conc,
        joins,
        'p50 ms': percentile(lat, 50),
        'p90 ms': percentile(lat, 90),
        'p99 ms': percentile(lat, 99),
        'max ms': Math.max(...lat),
      });
      for (const ws of sockets) ws.terminate();
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    server.stop();
  }
  console.log(`join-reply latency, ${joins} joins into one room per level; ${server.pinned}`);
  printTable(rows);
  const file = writeResult('join', { pinned: server.pinned, rows });
  console.log(`wrote ${file}`);
}
