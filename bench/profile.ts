// One CPU profile of the fanout N=50 steady state (the server's --profile-dir, toggled by SIGUSR2
// around the measured window); the top functions by self time (share of busy time) are printed,
// then the top allocation sites of the same window (garbage included) in bytes per forwarded packet.
//   npm run bench -- profile [--n 50] [--seconds 10]
//   npm run bench -- profile --scenario audio-room --n 300 [--selection on|off]   (N listeners, 10 talkers, 3 speaking; lean listeners)
//   npm run bench -- profile --scenario meeting --n 16   (N participants, each publishing and receiving the others)
// Media flows `--settle` seconds (default 10) before the window, as in `fanout`. The longest
// stretches with no idle sample (the event loop's stalls: what delays every packet arriving
// meanwhile, a forwarding delay's p99) are listed with what ran in them.
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rtcroomTarget } from './lib/rtcroom-target.ts';
import { fanout } from './scenarios/fanout.ts';
import { audioRoom } from './scenarios/audio-room.ts';
import { meeting } from './scenarios/meeting.ts';
import { printTable, writeResult } from './report.ts';
import { longTasks } from './lib/long-tasks.ts';

/** A node of V8's sampling heap profile (HeapProfiler.stopSampling). */
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** `name file:line` of a call frame, paths from node_modules/ or packages/. */
function frameKey(cf: { functionName: string; url: string; lineNumber: number }): string {
  const where = cf.url ? `${cf.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${cf.lineNumber + 1}` : '';
  return `${cf.functionName || '(anonymous)'} ${where}`.trim();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      scenario: { type: 'string', default: 'fanout' },
      selection: { type: 'string', default: 'on' },
      settle: { type: 'string', default: '10' },
    },
  });
  const settleMs = Math.min(120, Math.max(0, Number(values.settle) || 0)) * 1000;
  if (values.scenario !== 'fanout' && values.scenario !== 'audio-room' && values.scenario !== 'meeting') throw new Error(`--scenario must be fanout, meeting or audio-room, got "${values.scenario}"`);
  if (values.selection !== 'on' && values.selection !== 'off') throw new Error(`--selection must be on or off, got "${values.selection}"`);
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-prof-'));
  const selection = values.selection === 'on';
  // audio-room: the server's default audio selection (on) or none (off), as `npm run bench -- audio-room`
  const audioArgs = values.scenario === 'audio-room' && selection ? ['--audio-selection-above', '20', '--audio-speakers', '3'] : [];
  // the server profiles exactly the steady window: SIGUSR2 starts, the next SIGUSR2 writes
  const target = await rtcroomTarget([], ['--profile-dir', dir, ...audioArgs]);
  const hooks = { onStart: () => target.server.signal('SIGUSR2'), onEnd: () => target.server.signal('SIGUSR2'), settleMs };
  let w;
  try {
    w =
      values.scenario === 'fanout'
        ? await fanout(target, Number(values.n), Number(values.seconds), hooks)
        : values.scenario === 'meeting'
          ? await meeting(target, Number(values.n), Number(values.seconds), hooks)
          : await audioRoom(target, 10, Number(values.n), Number(values.seconds), { speaking: 3, selection }, hooks);
    const deadline = Date.now() + 10_000;
    while (!readdirSync(dir).some((f) => f.endsWith('.cpuprofile')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await target.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: (ProfileNode & { children?: number[] })[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const n of p.nodes) {
    const key = frameKey(n.callFrame);
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const idle = byFn.get('(idle)') ?? 0;
  const busy = [...byFn.values()].reduce((a, b) => a + b, 0) - idle;
  const rows = [...byFn]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([k, v]) => ({ function: k, 'self ms': v / 1000, '% of busy': (v / busy) * 100 }));
  const what = values.scenario === 'fanout' ? `fanout N=${values.n}` : values.scenario === 'meeting' ? `meeting of ${values.n}` : `audio-room, ${values.n} listeners, 10 talkers, 3 speaking, selection ${values.selection}`;
  console.log(`CPU profile of the server in the ${values.seconds} s steady window of ${what} (${w.cpuUsPerPacket.toFixed(1)} µs/pkt, ${w.cpuPercent.toFixed(1)}% CPU); busy ${(busy / 1e6).toFixed(2)} s`);
  printTable(rows);
  // the event loop's stalls: what the packets arriving meanwhile waited behind
  const stalls = longTasks(p, 5);
  console.log(`\nLongest stretches without an idle sample (≥ 5 ms; the window's delay p99 ${w.delayP99.toFixed(1)} ms), what ran in them:`);
  printTable(stalls.map((t) => ({ 'at s': t.atMs / 1000, ms: t.ms, 'entry points (ms)': t.entries.slice(0, 3).map((e) => `${e.entry} (${e.ms.toFixed(1)})`).join('; ') })));
  if (w.failed) {
    console.log(`FAILED: ${w.failed}; this profile is not of a valid steady state`);
    process.exitCode = 1;
  }
  // allocations of the same window by allocating function (sampled every 4 KB on average)
  const heapFile = file.replace(/\.cpuprofile$/, '.heapprofile');
  const heap = JSON.parse(readFileSync(join(dir, heapFile), 'utf8')) as { head: HeapNode };
  const bytesBy = new Map<string, number>();
  const walk = (n: HeapNode): void => {
    if (n.selfSize > 0) bytesBy.set(frameKey(n.callFrame), (bytesBy.get(frameKey(n.callFrame)) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c);
  };
  walk(heap.head);
  const packets = w.forwardedPps * w.seconds;
  const allocated = [...bytesBy.values()].reduce((a, b) => a + b, 0);
  const allocRows = [...bytesBy]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, v]) => ({ function: k, 'MB': v / 1e6, 'bytes / fwd pkt': v / packets }));
  console.log(`Allocations in the window: ${(allocated / 1e6).toFixed(1)} MB, ${(allocated / packets).toFixed(0)} bytes per forwarded packet (garbage included)`);
  printTable(allocRows);
  const name = values.scenario === 'fanout' ? 'profile' : values.scenario === 'meeting' ? 'profile-meeting' : `profile-audio-room-selection-${values.selection}`;
  console.log(`wrote ${writeResult(name, { scenario: values.scenario, n: Number(values.n), settleSeconds: settleMs / 1000, window: w, rows, stalls, allocated, allocatedPerPacket: allocated / packets, allocRows })}`);
}
