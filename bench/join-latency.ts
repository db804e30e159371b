// Join-reply latency on loopback: a real server process, real WebSocket clients.
//   npm run bench -- join [--joins 200] [--concurrency 1,20]
// For each concurrency level, `joins` clients connect first, then send joinRtcRoom (into one room);
// the figure is request-sent → reply-received. The server runs as its own process (pinned to core 0
// with taskset when available; the clients on core 1).
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { BENCH_APP as APP, benchToken as token, startServerProcess as startServer } from './lib/server-process.ts';
import { percentile, printTable, writeResult } from './report.ts';

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
  const wsUrl = server.wsUrl;
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
