// Starts the rtcroom server as its own process for benchmarks, pinned to core 0 when taskset exists
// (this process moves itself to core 1), and reads its CPU time from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccessToken, Privileges } from '@rtcroom/token';
import { SEMI_SPACE_FLAGS } from '@rtcroom/server';

/** The benchmark app. */
export const BENCH_APP = { appId: 'bench0000000000000000000', appKey: 'bench-key' };

/** A token for the benchmark app. */
export function benchToken(roomId: string, userId: string): string {
  const t = new AccessToken(BENCH_APP.appId, BENCH_APP.appKey, roomId, userId);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return t.expireTime(exp).addPrivilege(Privileges.PublishStream, exp).addPrivilege(Privileges.SubscribeStream, exp).serialize();
}

/** A UDP port free on 127.0.0.1 now (for `--rtc-port`). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User+system CPU seconds of one process (0 once it is gone). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** The child processes of `pid`, from each of its threads' `children` list. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * CPU seconds of `pid` and every live descendant (a media worker that exited and was restarted
 * takes its seconds with it: benchmarks measure windows in which no worker restarts).
 */
export function treeCpuSeconds(pid: number): number {
  return processCpuSeconds(pid) + childPids(pid).reduce((sum, c) => sum + treeCpuSeconds(c), 0);
}

/** Resident set size of `pid` and every live descendant, bytes. */
export function treeRssBytes(pid: number): number {
  let own = 0;
  try {
    own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    // gone
  }
  return own + childPids(pid).reduce((sum, c) => sum + treeRssBytes(c), 0);
}

/** What `/healthz` says (the fields the harness reads). */
export interface ServerHealth {
  rooms: number;
  members: number;
  media: { forwarded: number; received: number; peers: number; consumers: number };
  /** With `--workers N` (N ≥ 2): one entry per media worker. */
  workers?: { index: number; state: 'starting' | 'ready' | 'down'; pid: number | undefined; restarts: number; rooms: number; members: number; peers: number; forwardedPps: number; receivedPps: number; loopLagMs: number }[];
}

/** A running server process. */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  pid: number;
  pinned: string;
  /** User+system CPU seconds the server (with its media workers) has used so far. */
  cpuSeconds(): number;
  /** Resident set size in bytes. */
  rssBytes(): number;
  /** Sends a signal to the server process. */
  signal(sig: NodeJS.Signals): void;
  /** GET /healthz. */
  health(): Promise<ServerHealth>;
  /** Resolves with the exit code (null when killed by a signal) once the process exited. */
  readonly exited: Promise<number | null>;
  stop(): void;
}

/**
 * Benchmarks measure forwarding and joins from one address, not the spec's room limits (50 visible,
 * 30 publishers) or the per-address connection cap: lift them. Audio selection is off too (the
 * synthetic publishers send no speech levels, and every subscriber expects every track); the
 * audio-room scenario turns it on itself.
 */
const NO_ROOM_LIMITS = ['--max-visible-members', '100000', '--max-publishers', '100000', '--max-members', '100000', '--max-connections-per-ip', '1000000', '--audio-selection-above', '0'];

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Pin the server to core 0 and this process to core 1 (benchmarks; default true). */
  pin?: boolean;
  /** A command prefix the server runs under, e.g. `['ip', 'netns', 'exec', 'ns1']`. */
  wrap?: string[];
  /** Receives the server's stderr instead of this process's stderr (e.g. to count warnings). */
  onStderr?: (chunk: Buffer) => void;
  /** Extra environment variables of the server process. */
  env?: Record<string, string>;
}

/** Starts `rtcroom serve` with the benchmark app on a free loopback port (`extraArgs` override). */
export async function startServerProcess(extraArgs: string[] = [], nodeArgs: string[] = [], opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-bench-'));
  writeFileSync(join(dir, 'apps.json'), JSON.stringify([BENCH_APP]));
  const bin = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));
  // RTCROOM_BENCH_NODE_ARGS: Node flags for the server of any benchmark (--trace-gc, --cpu-prof …)
  const envArgs = (process.env.RTCROOM_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...envArgs, ...nodeArgs, bin, 'serve', '--port', '0', '--apps', join(dir, 'apps.json'), '--log-level', 'warn', '--rtc-ip', '127.0.0.1', ...NO_ROOM_LIMITS, ...extraArgs];
  const pin = hasTaskset && opts.pin !== false;
  // as npm start, the Dockerfile and the systemd unit run it (young-generation.ts)
  const command = [...(opts.wrap ?? []), ...(pin ? ['taskset', '-c', '0'] : []), process.execPath, ...SEMI_SPACE_FLAGS, ...args];
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { cwd: dir, env: { ...process.env, ...opts.env } });
  if (pin) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (opts.onStderr ? opts.onStderr(d) : process.stderr.write(d)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    wsUrl: `${url.replace('http', 'ws')}/rtc`,
    pid,
    pinned: pin ? 'server on core 0, clients on core 1 (taskset)' : 'not pinned',
    // the server and its media worker processes (`--workers N`): the whole tree
    cpuSeconds: () => treeCpuSeconds(pid),
    rssBytes: () => treeRssBytes(pid),
    health: async () => (await (await fetch(`${url}/healthz`)).json()) as ServerHealth,
    signal: (sig) => void process.kill(pid, sig),
    exited,
    stop: () => child.kill('SIGTERM'),
  };
}
