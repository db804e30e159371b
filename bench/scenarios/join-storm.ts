// join-storm: M signaling clients join one room at once; join-reply latency and the time until
// every member holds the full member list (snapshot delivery). rtcroom only (no media).
import { WebSocket } from 'ws';
import { percentile } from '../report.ts';
import { BENCH_APP, benchToken, type ServerProcess } from '../lib/server-process.ts';

/** Join-storm figures. */
export interface StormResult {
  members: number;
  joinP50: number;
  joinP99: number;
  /** From the first join sent to the moment the last member saw all M. */
  fullSnapshotMs: number;
  /** Snapshot messages received in all, per member. */
  snapshotsPerMember: number;
  rssPerMemberKb: number;
}

/** Runs a storm of `m` joins against `server`. */
export async function joinStorm(server: ServerProcess, m: number): Promise<StormResult> {
  const room = `storm_${m}_${Date.now() % 100000}`;
  const sockets = await Promise.all(
    Array.from({ length: m }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(server.wsUrl);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    })),
  );
  const rss0 = server.rssBytes();
  const joinLat: number[] = [];
  const fullAt: number[] = [];
  let snapshots = 0;
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (ws, i) =>
        new Promise<void>((resolve) => {
          const sent = performance.now();
          let joined = false;
          let full = false;
          ws.on('message', (d) => {
            const f = JSON.parse(String(d)) as { id?: number; result?: { members: string[] }; event?: string; data?: { userIdList: string[] } };
            if (f.id === 1) {
              joinLat.push(performance.now() - sent);
              joined = true;
              if (f.result?.members.length === m) full = true;
            } else if (f.event === 'rtcChatMembersChanged') {
              snapshots++;
              if (f.data?.userIdList.length === m) full = true;
            }
            if (joined && full) {
              fullAt.push(performance.now());
              ws.removeAllListeners('message');
              resolve();
            }
          });
          ws.send(JSON.stringify({ id: 1, method: 'joinRtcRoom', params: { appId: BENCH_APP.appId, roomId: room, userId: `u${i}`, token: benchToken(room, `u${i}`), roomConfig: { autoSubscribe: false } } }));
        }),
    ),
  );
  const result: StormResult = {
    members: m,
    joinP50: percentile(joinLat, 50),
    joinP99: percentile(joinLat, 99),
    fullSnapshotMs: Math.max(...fullAt) - t0,
    snapshotsPerMember: snapshots / m,
    rssPerMemberKb: (server.rssBytes() - rss0) / m / 1024,
  };
  for (const ws of sockets) ws.terminate();
  await new Promise((r) => setTimeout(r, 500));
  return result;
}
