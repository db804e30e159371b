// The SFU scenarios, rtcroom side by side with Janus:
//   npm run bench -- fanout [--n 1,10,50,100,200] [--targets rtcroom,janus,janus-1loop] [--seconds 10]
//                           (target rtcroom-js: rtcroom on its JavaScript send path, `--native off`)
//   npm run bench -- fanout --single-port [--n 200]   (rtcroom on one UDP port vs one socket per connection;
//                                                     target rtcroom-1port = `rtcroom serve --rtc-port N`)
//   npm run bench -- meeting [--n 2,4,8,16] [--targets …]
//   npm run bench -- audio-room [--listeners 10,50,100,200] [--talkers 10] [--selection on|off] [--speaking 3] [--listener lean|werift] [--single-port]   (rtcroom)
//   npm run bench -- join-storm [--m 100,300,1000]                               (rtcroom)
// fanout, meeting and audio-room let media flow `--settle` seconds (default 10) before each
// window: the steady state, past the JIT's compiles of a room's first seconds (measure.ts).
// Janus targets need `bash bench/janus/setup.sh` once (Debian's janus package).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Target } from './lib/target.ts';
import { errorRow, INVALID, row, type WindowResult } from './lib/measure.ts';
import { rtcroomTarget } from './lib/rtcroom-target.ts';
import { freeUdpPort, startServerProcess } from './lib/server-process.ts';
import { lineChart } from './lib/plot.ts';
import { printTable, writeResult } from './report.ts';
import { fanout } from './scenarios/fanout.ts';
import { meeting } from './scenarios/meeting.ts';
import { audioRoom, type ListenerKind } from './scenarios/audio-room.ts';
import { joinStorm } from './scenarios/join-storm.ts';
import { AppRegistry, defaultConfig } from '@rtcroom/server';

/** A level whose figures are not valid, and why. */
interface Failure {
  target: string;
  N: number;
  reason: string;
}

/** Notes a failed level on stderr; the process will exit non-zero once the table is printed. */
function noteFailure(failures: Failure[], f: Failure): void {
  failures.push(f);
  console.error(`${f.target} N=${f.N}: FAILED: ${f.reason}`);
  process.exitCode = 1;
}

/** Prints what failed after the table. */
function reportFailures(failures: readonly Failure[]): void {
  if (failures.length === 0) return;
  console.log(`\n${failures.length} level(s) FAILED; their throughput, CPU and delay figures are not valid:`);
  for (const f of failures) console.log(`  ${f.target} N=${f.N}: ${f.reason}`);
}

/** Seconds of media before each window, by default (see `WindowOptions.settleMs`). */
const SETTLE_S = 10;
/** `--settle` in ms (0–120 s). */
const settleOf = (s: string | undefined): number => Math.min(120, Math.max(0, Number(s ?? SETTLE_S) || 0)) * 1000;
const list = (s: string, max: number): number[] => s.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= max);

/** How the JSON's loss figures are counted. */
const LOSS_NOTE =
  "'loss %': 1 − received ÷ (each publisher's packets sent in the window × the subscribers that should receive them), summed over all subscribers; " +
  "'seq loss %': by each subscriber's own RTP sequence numbers (blind to a subscriber that receives nothing); " +
  "'receiving': subscribers that received every subscribed kind in the window. A level fails when not every subscriber received media in the warm-up or the window.";

/** The raw counts behind a row's loss and receiving figures (for the JSON). */
function accounting(target: string, n: number, w: WindowResult): Record<string, unknown> {
  return { target, N: n, expectedPackets: w.expectedPackets, receivedPackets: w.receivedPackets, receiving: w.receiving, subscribers: w.subscribers, drainMs: w.drainMs };
}

async function startTarget(name: string): Promise<Target> {
  if (name === 'rtcroom') return rtcroomTarget();
  if (name === 'rtcroom-1port') return rtcroomTarget([], ['--rtc-port', String(await freeUdpPort())]);
  // the JavaScript send path, for a side-by-side with the native one (`rtcroom` takes it when built)
  if (name === 'rtcroom-js') return rtcroomTarget([], ['--native', 'off']);
  const { janusTarget } = await import('./lib/janus-target.ts');
  if (name === 'janus') return janusTarget({});
  if (name === 'janus-1loop') return janusTarget({ eventLoops: 1 });
  throw new Error(`unknown target ${name} (rtcroom, rtcroom-js, rtcroom-1port, janus, janus-1loop)`);
}

/** fanout and meeting: every level on every target, ratios against the better Janus, a plot. */
async function forwarding(scenario: 'fanout' | 'meeting', argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: scenario === 'fanout' ? '1,10,50,100,200' : '2,4,8,16' },
      targets: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      settle: { type: 'string', default: String(SETTLE_S) },
      'single-port': { type: 'boolean', default: false },
    },
  });
  const settleMs = settleOf(values.settle);
  // --single-port: rtcroom in single-port mode against its default mode; a run with the single-port
  // target is written apart (latest-<scenario>-single-port.json, no plots)
  const targets = values.targets ?? (values['single-port'] ? 'rtcroom,rtcroom-1port' : 'rtcroom,janus,janus-1loop');
  const singlePort = targets.split(',').includes('rtcroom-1port');
  const resultName = singlePort ? `${scenario}-single-port` : scenario;
  const levels = list(values.n, scenario === 'fanout' ? 300 : 32);
  const seconds = Math.min(60, Math.max(2, Number(values.seconds)));
  const results = new Map<string, Map<number, WindowResult>>();
  const rows: Record<string, string | number>[] = [];
  const failures: Failure[] = [];
  let pinned = '';
  for (const name of targets.split(',')) {
    let target: Target;
    try {
      target = await startTarget(name);
    } catch (e) {
      // a target that cannot start (Janus not installed) fails its levels; the others still run
      const reason = `target did not start: ${e instanceof Error ? e.message : String(e)}`;
      for (const n of levels) {
        rows.push(errorRow(name, n, reason));
        noteFailure(failures, { target: name, N: n, reason });
      }
      continue;
    }
    pinned = target.pinned;
    const byN = new Map<number, WindowResult>();
    results.set(name, byN);
    try {
      for (const n of levels) {
        let w: WindowResult;
        try {
          w = scenario === 'fanout' ? await fanout(target, n, seconds, { settleMs }) : await meeting(target, n, seconds, { settleMs });
        } catch (e) {
          rows.push(errorRow(name, n, e));
          noteFailure(failures, { target: name, N: n, reason: e instanceof Error ? e.message : String(e) });
          continue;
        }
        rows.push(row(name, n, w));
        console.error(`${scenario} ${name} N=${n}: receiving ${w.receiving}/${w.subscribers}, ${w.cpuUsPerPacket.toFixed(1)} µs/pkt, loss ${w.lossPercent.toFixed(2)}% (by sequence numbers ${w.seqLossPercent.toFixed(2)}%)`);
        // a failed level's loss is plotted; its CPU figures are not
        byN.set(n, w);
        if (w.failed) noteFailure(failures, { target: name, N: n, reason: w.failed });
      }
    } finally {
      await target.stop();
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  console.log(`${scenario}, ${seconds} s steady windows after ${settleMs / 1000} s of media; ${pinned}`);
  printTable(rows);
  reportFailures(failures);
  const ours = results.get('rtcroom');
  const janus = [...results.entries()].filter(([k]) => k.startsWith('janus'));
  const ratios: Record<string, string | number>[] = [];
  if (ours && janus.length) {
    for (const n of levels) {
      const best = janus.map(([k, m]) => [k, m.get(n)] as const).filter(([, w]) => w && !w.failed && Number.isFinite(w.cpuUsPerPacket)).sort((a, b) => a[1]!.cpuUsPerPacket - b[1]!.cpuUsPerPacket)[0];
      const o = ours.get(n);
      if (!best || !o || o.failed) continue;
      ratios.push({ N: n, 'rtcroom µs/pkt': o.cpuUsPerPacket, 'best Janus': best[0], 'Janus µs/pkt': best[1]!.cpuUsPerPacket, 'rtcroom / Janus': o.cpuUsPerPacket / best[1]!.cpuUsPerPacket });
    }
    console.log('\nCPU per forwarded packet, rtcroom ÷ the better Janus configuration');
    printTable(ratios);
  }
  const one = results.get('rtcroom-1port');
  const portRatios: Record<string, string | number>[] = [];
  if (ours && one) {
    for (const n of levels) {
      const [m, s1] = [ours.get(n), one.get(n)];
      if (!m || !s1 || m.failed || s1.failed) continue;
      portRatios.push({ N: n, 'one socket per connection µs/pkt': m.cpuUsPerPacket, 'single port µs/pkt': s1.cpuUsPerPacket, 'single / per-connection': s1.cpuUsPerPacket / m.cpuUsPerPacket });
    }
    console.log('\nCPU per forwarded packet, single-port mode ÷ one socket per connection');
    printTable(portRatios);
  }
  const counts = [...results].flatMap(([target, m]) => [...m].map(([n, w]) => accounting(target, n, w)));
  if (singlePort) {
    console.log(`wrote ${writeResult(resultName, { pinned, seconds, settleSeconds: settleMs / 1000, loss: LOSS_NOTE, rows, failures, portRatios, counts })}`);
    return;
  }
  const xs = levels.map(String);
  const series = (pick: (w: WindowResult) => number) => [...results].map(([name, m]) => ({ name, points: new Map([...m].map(([n, w]) => [String(n), pick(w)])) }));
  const valid = (pick: (w: WindowResult) => number) => (w: WindowResult) => (w.failed ? NaN : pick(w));
  const plots = fileURLToPath(new URL('./results/', import.meta.url));
  writeFileSync(`${plots}${scenario}-cpu.svg`, lineChart(`${scenario}: server CPU per forwarded packet`, 'N', 'µs per packet', xs, series(valid((w) => w.cpuUsPerPacket))));
  writeFileSync(`${plots}${scenario}-loss.svg`, lineChart(`${scenario}: loss`, 'N', 'loss %', xs, series((w) => w.lossPercent)));
  console.log(`wrote ${writeResult(scenario, { pinned, seconds, settleSeconds: settleMs / 1000, loss: LOSS_NOTE, rows, failures, ratios, counts })} and ${scenario}-cpu.svg, ${scenario}-loss.svg`);
}

async function audio(argv: string[]): Promise<void> {
  const server = defaultConfig(new AppRegistry([])).audioSelection;
  const { values } = parseArgs({
    args: argv,
    options: {
      listeners: { type: 'string', default: '10,50,100,200' },
      talkers: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '10' },
      selection: { type: 'string', default: server.aboveMembers > 0 ? 'on' : 'off' },
      speaking: { type: 'string', default: String(server.maxSpeakers) },
      settle: { type: 'string', default: String(SETTLE_S) },
      listener: { type: 'string', default: 'lean' },
      'single-port': { type: 'boolean', default: false },
    },
  });
  if (values.selection !== 'on' && values.selection !== 'off') throw new Error(`--selection must be on or off, got "${values.selection}"`);
  if (values.listener !== 'lean' && values.listener !== 'werift') throw new Error(`--listener must be lean or werift, got "${values.listener}"`);
  const listener: ListenerKind = values.listener;
  const selection = values.selection === 'on';
  const talkers = Number(values.talkers);
  const speaking = Math.min(talkers, Number(values.speaking));
  // on: the server's default threshold and size; off: every talker to every listener (as before selection existed)
  const args = selection ? ['--audio-selection-above', String(server.aboveMembers || 20), '--audio-speakers', String(server.maxSpeakers)] : ['--audio-selection-above', '0'];
  // --single-port: every connection's media on one UDP port (one sendmmsg carries many listeners' packets)
  if (values['single-port']) args.push('--rtc-port', String(await freeUdpPort()));
  const target = await rtcroomTarget([], args);
  const rows: Record<string, string | number>[] = [];
  const failures: Failure[] = [];
  const counts: Record<string, unknown>[] = [];
  const served: number[] = [];
  const serverCounts = new Map<number, { received: number; forwarded: number }>();
  const extra = { talkers, speaking, selection: values.selection, listener };
  // each listener should receive this many streams: the speaking talkers with selection, else every talker
  const streamsExpected = selection ? speaking : talkers;
  try {
    for (const l of list(values.listeners, 2000)) {
      let w: WindowResult;
      try {
        // what the server received from the talkers and forwarded in the window (its /healthz counters)
        let h0: ReturnType<typeof target.server.health> | undefined;
        let h1: ReturnType<typeof target.server.health> | undefined;
        w = await audioRoom(target, talkers, l, Number(values.seconds), { speaking, selection, listener }, {
          onStart: () => (h0 = target.server.health()),
          onEnd: () => (h1 = target.server.health()),
          settleMs: settleOf(values.settle),
        });
        const [a, b] = await Promise.all([h0, h1]);
        if (a && b) serverCounts.set(l, { received: b.media.received - a.media.received, forwarded: b.media.forwarded - a.media.forwarded });
      } catch (e) {
        rows.push(errorRow('rtcroom', l, e, extra));
        noteFailure(failures, { target: 'rtcroom', N: l, reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      rows.push(audioRow(l, w, extra));
      counts.push({ ...accounting('rtcroom', l, w), server: serverCounts.get(l), loadAverage: loadavg(), worstListenerLossPercent: w.worstSubscriberLossPercent, listenersOver1Percent: w.subscribersOver1Percent, streamsPerListener: w.streamsPerSubscriber, generator: w.generator });
      // served: valid, < 1% overall, and no single listener at 1% or more
      if (!w.failed && w.lossPercent < 1 && w.subscribersOver1Percent === 0) served.push(l);
      const g = w.generator;
      console.error(
        `audio-room L=${l} selection ${values.selection} (${listener}): receiving ${w.receiving}/${w.subscribers}, ${w.cpuPercent.toFixed(1)}% CPU, ${w.cpuUsPerPacket.toFixed(1)} µs/pkt, loss ${w.lossPercent.toFixed(2)}% (by sequence numbers ${w.seqLossPercent.toFixed(2)}%), worst listener ${w.worstSubscriberLossPercent.toFixed(2)}%, ${w.subscribersOver1Percent} at ≥ 1%; generator ${g.cpuPercent.toFixed(0)}% CPU, core ${g.cores} idle ${g.coreIdlePercent.toFixed(0)}%, loop delay p99 ${g.loopDelayP99Ms.toFixed(1)} ms`,
      );
      if (w.failed) noteFailure(failures, { target: 'rtcroom', N: l, reason: w.failed });
      else if (w.streamsPerSubscriber && (w.streamsPerSubscriber.min !== streamsExpected || w.streamsPerSubscriber.max !== streamsExpected)) {
        noteFailure(failures, { target: 'rtcroom', N: l, reason: `listeners received ${w.streamsPerSubscriber.min}–${w.streamsPerSubscriber.max} streams, expected ${streamsExpected}` });
      }
    }
  } finally {
    await target.stop();
  }
  const best = served.length ? Math.max(...served) : 0;
  console.log(`audio-room (N = listeners; ${talkers} talkers, ${speaking} speaking; audio selection ${values.selection}; ${listener} listeners); ${target.pinned}`);
  console.log(`server: ${args.join(' ')}`);
  printTable(rows);
  reportFailures(failures);
  console.log(`most listeners served at < 1% loss (overall and every listener): ${best || 'none of the levels'}`);
  const name = `audio-room-selection-${values.selection}${listener === 'lean' ? '' : `-${listener}`}${values['single-port'] ? '-single-port' : ''}`;
  console.log(`wrote ${writeResult(name, { pinned: target.pinned, loss: LOSS_NOTE, selection: values.selection, listener, talkers, speaking, serverArgs: args, mostListenersUnder1PercentLoss: best, rows, failures, counts })}`);
}

/** An audio-room row: the common columns, then per-listener loss, streams per listener and the generator's load. */
function audioRow(l: number, w: WindowResult, extra: Record<string, string | number>): Record<string, string | number> {
  const { status, ...common } = row('rtcroom', l, w, extra);
  const g = w.generator;
  const streams = w.streamsPerSubscriber;
  return {
    ...common,
    'worst listener loss %': w.worstSubscriberLossPercent,
    'listeners ≥ 1% loss': w.subscribersOver1Percent,
    'streams / listener': streams ? (streams.min === streams.max ? streams.min : `${streams.min}–${streams.max}`) : '',
    'gen CPU %': g.cpuPercent,
    'gen core idle %': g.coreIdlePercent,
    'gen loop p99 ms': g.loopDelayP99Ms,
    // other processes on the server's core (pinned to core 0): its busy share less the server's own
    'others on core 0 %': w.failed || g.coreBusyPercent[0] === undefined ? INVALID : Math.max(0, g.coreBusyPercent[0] - w.cpuPercent),
    status: status!,
  };
}

async function storm(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { m: { type: 'string', default: '100,300,1000' } } });
  const server = await startServerProcess();
  const rows: Record<string, string | number>[] = [];
  try {
    for (const m of list(values.m, 2000)) {
      const r = await joinStorm(server, m);
      rows.push({ members: m, 'join p50 ms': r.joinP50, 'join p99 ms': r.joinP99, 'all see all ms': r.fullSnapshotMs, 'snapshots / member': r.snapshotsPerMember, 'RSS KB / member': r.rssPerMemberKb });
    }
  } finally {
    server.stop();
  }
  console.log(`join-storm: M signaling clients join one room at once; ${server.pinned}`);
  printTable(rows);
  console.log(`wrote ${writeResult('join-storm', { pinned: server.pinned, rows })}`);
}

/** Entry used by bench/run.ts. */
export function scenario(name: 'fanout' | 'meeting' | 'audio-room' | 'join-storm'): { main(argv: string[]): Promise<void> } {
  return {
    main: (argv) => (name === 'audio-room' ? audio(argv) : name === 'join-storm' ? storm(argv) : forwarding(name, argv)),
  };
}
