// Churn: many signaling-only and media join/leave cycles against a server process, then a settle;
// everything a member held must be released. Shared by `npm run bench -- churn` and the
// integration test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { HeadlessPublisher, HeadlessSubscriber } from './headless-client.ts';
import { BENCH_APP, benchToken, startServerProcess, type ServerProcess } from './server-process.ts';
import { probeFile, type ProbeReport } from './server-probe.ts';

/** Options of {@link churn}. */
export interface ChurnOptions {
  /** Signaling-only join/leave cycles. */
  signaling: number;
  /** Media cycles (a publisher and a subscriber join, forward, leave). */
  media: number;
  /** Signaling cycles in flight at once (default 300). */
  concurrency?: number;
  /** Media cycles in flight at once (default 4). */
  mediaConcurrency?: number;
  /**
   * Warm-up cycles of each kind, before the baseline (default: as many as measured, so the heap
   * has reached the size such a run needs and only what the measured run keeps shows as growth).
   */
  warmup?: { signaling: number; media: number };
  /** Wait after the counts are back to zero, before measuring (ms, default 5000). */
  settleMs?: number;
  /** Diagnostics: start the server with --expose-gc and have the probe collect before each report (heap then shows what is retained). */
  gc?: boolean;
  /** Pin the server to core 0 (default true). */
  pin?: boolean;
}

/** Counts from /healthz. */
export interface Counts {
  rooms: number;
  members: number;
  sessions: number;
  peers: number;
  producers: number;
  consumers: number;
}

/** A measurement after a settle. */
export interface Snapshot {
  counts: Counts;
  rssBytes: number;
  fds: number;
  /** From the server probe, when it reported. */
  timeouts: number | undefined;
  intervals: number | undefined;
  handles: Record<string, number> | undefined;
  /** V8 heap in use (no forced GC), from the probe. */
  heapUsedBytes: number | undefined;
  /** Time from the last cycle until every count was zero (ms). */
  drainMs: number;
}

/** A churn run. */
export interface ChurnResult {
  signaling: { cycles: number; failed: number; seconds: number; modes: Record<SignalingMode, number> };
  /** `hallSlots`: transceivers of the hall's standing subscriber at the end (reused, so bounded). */
  media: { cycles: number; failed: number; seconds: number; dropped: number; packetsReceived: number; hallSlots: number };
  concurrency: number;
  baseline: Snapshot;
  after: Snapshot;
  rssGrowthPercent: number;
  /** Failed checks; empty when everything was released. */
  failures: string[];
}

/** How a signaling cycle ends. */
export type SignalingMode = 'exit' | 'close' | 'drop';

const PROBE = fileURLToPath(new URL('./server-probe.ts', import.meta.url));
/** Source addresses of the clients: 127.0.0.2–9, so no address nears the server's default cap of 200. */
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The mode of signaling cycle `n`: mostly exit, some clean closes, some dropped sockets (1006). */
export function signalingMode(n: number): SignalingMode {
  const r = n % 10;
  return r < 6 ? 'exit' : r < 8 ? 'close' : 'drop';
}

/** Runs `count` cycles with at most `limit` in flight; resolves with the number that failed. */
async function pool(count: number, limit: number, cycle: (n: number, worker: number) => Promise<void>, onError: (e: unknown) => void): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async (_, worker) => {
      while (next < count) {
        const n = next++;
        try {
          await cycle(n, worker);
        } catch (e) {
          failed++;
          onError(e);
        }
      }
    }),
  );
  return failed;
}

/** One signaling-only cycle: connect, join, leave as `mode` says. */
async function signalingCycle(server: ServerProcess, roomId: string, userId: string, mode: SignalingMode, localAddress: string): Promise<void> {
  const ws = new WebSocket(server.wsUrl, { localAddress });
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies = new Map<number, (f: { error?: { errMsg: string } }) => void>();
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { id?: number; error?: { errMsg: string } };
      if (f.id !== undefined) replies.get(f.id)?.(f);
    });
    const request = (id: number, method: string, params: unknown) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no reply in 10 s`)), 10_000);
        replies.set(id, (f) => {
          clearTimeout(timer);
          if (f.error) reject(new Error(`${method}: ${f.error.errMsg}`));
          else resolve();
        });
        ws.send(JSON.stringify({ id, method, params }));
      });
    await request(1, 'joinRtcRoom', { appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId), roomConfig: { autoSubscribe: false } });
    if (mode === 'exit') await request(2, 'exitRtcRoom', { roomId });
    if (mode === 'drop') return void ws.terminate();
    ws.close(1000);
    await closed;
  } finally {
    ws.terminate();
  }
}

/** One media cycle: publisher and subscriber `id` join room `roomId`, ≥ 5 packets of each kind arrive, both leave. */
async function mediaCycle(server: ServerProcess, roomId: string, id: string, drop: boolean): Promise<number> {
  const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId) });
  let pub: HeadlessPublisher | undefined;
  let sub: HeadlessSubscriber | undefined;
  try {
    pub = await HeadlessPublisher.join(spec(`${id}_pub`));
    pub.start();
    sub = await HeadlessSubscriber.join(spec(`${id}_sub`));
    const deadline = performance.now() + 10_000;
    while (sub.packets.audio < 5 || sub.packets.video < 5) {
      if (performance.now() > deadline) throw new Error(`media cycle ${roomId}: received ${JSON.stringify(sub.packets)}`);
      await sleep(20);
    }
    const received = sub.packets.audio + sub.packets.video;
    // a dropped pair just goes away: its members wait for a resume until they are ghosts
    if (!drop) await Promise.all([pub.signal.request('exitRtcRoom', { roomId }), sub.signal.request('exitRtcRoom', { roomId })]);
    return received;
  } finally {
    await Promise.all([pub?.close(), sub?.close()]);
  }
}

/** Counts from the server's /healthz. */
export async function counts(server: ServerProcess): Promise<Counts> {
  const h = (await server.health()) as unknown as { rooms: number; members: number; sessions: number; media: { peers: number; producers: number; consumers: number } };
  return { rooms: h.rooms, members: h.members, sessions: h.sessions, peers: h.media.peers, producers: h.media.producers, consumers: h.media.consumers };
}

const isZero = (c: Counts) => Object.values(c).every((v) => v === 0);

/** Open file descriptors of process `pid`. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Waits for zero counts (at most `drainTimeoutMs`), then `settleMs`; measures. */
export async function settle(server: ServerProcess, settleMs: number, drainTimeoutMs = 20_000): Promise<Snapshot> {
  const t0 = performance.now();
  let c = await counts(server);
  while (!isZero(c) && performance.now() - t0 < drainTimeoutMs) {
    await sleep(250);
    c = await counts(server);
  }
  const drainMs = performance.now() - t0;
  await sleep(settleMs);
  const asked = Date.now();
  let probe: ProbeReport | undefined;
  for (let i = 0; i < 20 && !(probe && probe.at >= asked); i++) {
    await sleep(100);
    const file = probeFile(server.pid);
    if (existsSync(file)) probe = JSON.parse(readFileSync(file, 'utf8')) as ProbeReport;
  }
  const fresh = probe && probe.at >= asked ? probe : undefined;
  return { counts: await counts(server), rssBytes: server.rssBytes(), fds: openFds(server.pid), timeouts: fresh?.timeouts, intervals: fresh?.intervals, handles: fresh?.resources, heapUsedBytes: fresh?.heapUsedBytes, drainMs };
}

/** One phase (the warm-up or the measured run): the signaling cycles, then the media cycles. */
export async function phase(server: ServerProcess, tag: string, signaling: number, media: number, concurrency: number, mediaConcurrency: number, onError: (e: unknown) => void) {
  const modes: Record<SignalingMode, number> = { exit: 0, close: 0, drop: 0 };
  let t0 = performance.now();
  const sFailed = await pool(
    signaling,
    concurrency,
    (n, worker) => {
      const mode = signalingMode(n);
      modes[mode]++;
      // rooms of a few members that empty and close; every 4th user id is reused by its worker,
      // so some joins replace a member that waits for its resume
      const roomId = `${tag}_r${worker % 60}_${Math.floor(n / 600)}`;
      const userId = n % 4 === 0 ? `${tag}_w${worker}` : `${tag}_u${n}`;
      return signalingCycle(server, roomId, userId, mode, SOURCES[worker % SOURCES.length]!);
    },
    onError,
  );
  const sSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let received = 0;
  let dropped = 0;
  // every other pair joins a hall where a publisher and a subscriber stay for the whole phase:
  // its router lives on while members come and go, its subscriber's slots are reused
  const hall = `${tag}_hall`;
  const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId: hall, userId, token: benchToken(hall, userId) });
  const stayPub = media > 0 ? await HeadlessPublisher.join(spec(`${tag}_stay_pub`)) : undefined;
  stayPub?.start();
  const staySub = media > 0 ? await HeadlessSubscriber.join(spec(`${tag}_stay_sub`)) : undefined;
  let hallSlots = 0;
  try {
    const mFailed = await pool(
      media,
      mediaConcurrency,
      async (n) => {
        const drop = n % 5 === 4;
        if (drop) dropped++;
        const got = await mediaCycle(server, n % 2 ? hall : `${tag}_m${n}`, `${tag}_m${n}`, drop);
        received += got;
      },
      onError,
    );
    hallSlots = staySub?.pc?.getTransceivers().length ?? 0;
    await Promise.all([stayPub?.signal.request('exitRtcRoom', { roomId: hall }), staySub?.signal.request('exitRtcRoom', { roomId: hall })]);
    return {
      signaling: { cycles: signaling, failed: sFailed, seconds: sSeconds, modes },
      media: { cycles: media, failed: mFailed, seconds: (performance.now() - t0) / 1000, dropped, packetsReceived: received, hallSlots },
    };
  } finally {
    await Promise.all([stayPub?.close(), staySub?.close()]);
  }
}

/** Checks a run: counts back to zero, fds back to baseline, timers back to baseline, RSS within `maxRssGrowthPercent`. */
export function verdict(r: Omit<ChurnResult, 'failures'>, maxRssGrowthPercent: number): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(r.after.counts)) if (v !== 0) out.push(`${k} not back to zero: ${v}`);
  if (r.after.fds > r.baseline.fds) out.push(`open fds grew: ${r.baseline.fds} → ${r.after.fds}`);
  for (const k of ['timeouts', 'intervals'] as const) {
    const a = r.after[k];
    const b = r.baseline[k];
    if (a !== undefined && b !== undefined && a > b) out.push(`live ${k} grew: ${b} → ${a}`);
  }
  if (r.rssGrowthPercent > maxRssGrowthPercent) out.push(`RSS grew ${r.rssGrowthPercent.toFixed(1)}% (> ${maxRssGrowthPercent}%)`);
  if (r.signaling.failed) out.push(`${r.signaling.failed} signaling cycles failed`);
  if (r.media.failed) out.push(`${r.media.failed} media cycles failed`);
  return out;
}

/**
 * Starts a server process with the timer probe, runs a warm-up of both kinds, measures the
 * baseline after a settle, runs the measured cycles, settles and measures again.
 */
export async function churn(opts: ChurnOptions, maxRssGrowthPercent = 5): Promise<ChurnResult & { pinned: string }> {
  const concurrency = opts.concurrency ?? 300;
  const mediaConcurrency = opts.mediaConcurrency ?? 4;
  const warm = opts.warmup ?? { signaling: opts.signaling, media: opts.media };
  const settleMs = opts.settleMs ?? 5000;
  // the default per-address cap (200) stays: the clients spread over several source addresses
  if (opts.gc) process.env.RTCROOM_PROBE_GC = '1';
  const nodeArgs = opts.gc ? ['--expose-gc', '--import', PROBE] : ['--import', PROBE];
  const server = await startServerProcess(['--max-connections-per-ip', '200'], nodeArgs, { pin: opts.pin });
  // a crashed benchmark must not leave its server behind
  const stop = () => server.stop();
  process.once('exit', stop);
  let errors = 0;
  const onError = (e: unknown) => {
    if (errors++ < 5) console.error(`cycle failed: ${(e as Error).message}`);
  };
  try {
    await phase(server, 'warm', warm.signaling, warm.media, concurrency, mediaConcurrency, onError);
    const baseline = await settle(server, settleMs);
    const run = await phase(server, 'churn', opts.signaling, opts.media, concurrency, mediaConcurrency, onError);
    const after = await settle(server, settleMs);
    const partial = { ...run, concurrency, baseline, after, rssGrowthPercent: ((after.rssBytes - baseline.rssBytes) / baseline.rssBytes) * 100 };
    return { ...partial, failures: verdict(partial, maxRssGrowthPercent), pinned: server.pinned };
  } finally {
    process.off('exit', stop);
    server.stop();
  }
}
