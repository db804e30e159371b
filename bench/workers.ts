// workers: the whole machine's forwarding throughput with one media worker against two.
//   npm run bench -- workers [--workers 1,2] [--rooms 2] [--n 100,200,300,400] [--seconds 8]
//
// Each level runs `rooms` fanout rooms at once (one publisher, audio + video, and N listeners
// each), so that with `--workers 2` the rooms land on different worker processes. A worker count's
// figure is the forwarded packets/s of its largest level at < 1% loss (loss counted per listener
// against what its publisher sent, as everywhere).
//
// Keeping it honest on a 2-core machine: nothing is pinned (the server may use both cores, and
// the load generator runs on whatever is left); listeners are lean (lean-listener.ts: counted off
// the socket by their clear RTP headers, one packet in a hundred decrypted), so the generator
// costs a fraction of the server; the generator's own CPU and the machine's idle time are printed
// beside each level, so a level limited by the generator rather than the server can be told apart.
import { parseArgs } from 'node:util';
import { EVERY_KIND, type Kind } from './lib/accounting.ts';
import { measureWindow, row, type WindowResult } from './lib/measure.ts';
import { rtcroomTarget } from './lib/rtcroom-target.ts';
import type { PublisherClient, SubscriberClient } from './lib/target.ts';
import { printTable, writeResult } from './report.ts';

const NOTHING: readonly Kind[] = [];
/** Listener joins in flight at a time. */
const JOIN_CONCURRENCY = 8;
/** The loss a level may show and still count. */
const MAX_LOSS_PERCENT = 1;

const list = (s: string, max: number): number[] => s.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= max);

type Target = Awaited<ReturnType<typeof rtcroomTarget>>;

/** `rooms` rooms of one publisher and `n` lean listeners each, measured in one window. */
async function level(target: Target, rooms: number, n: number, seconds: number): Promise<{ w: WindowResult; placement: string }> {
  const tag = Date.now() % 100000;
  const pubs: PublisherClient[] = [];
  const subs: SubscriberClient[] = [];
  try {
    for (let r = 0; r < rooms; r++) pubs.push(await target.publisher(`workers_${tag}_${r}`, `pub${r}`));
    for (let r = 0; r < rooms; r++) {
      for (let i = 0; i < n; i += JOIN_CONCURRENCY) {
        const batch = Array.from({ length: Math.min(JOIN_CONCURRENCY, n - i) }, (_, k) => target.leanSubscriber(`workers_${tag}_${r}`, `r${r}l${i + k}`));
        const joined = await Promise.allSettled(batch);
        for (const j of joined) if (j.status === 'fulfilled') subs.push(j.value);
        const failed = joined.find((j) => j.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }
    }
    const health = await target.server.health();
    const placement = health.workers ? health.workers.map((w) => `w${w.index}: ${w.rooms} room(s)`).join(', ') : 'in-process';
    for (const p of pubs) p.start();
    // listener s is in room ⌊s / n⌋ and receives that room's publisher only
    const receives = (s: number, p: number) => (Math.floor(s / n) === p ? EVERY_KIND : NOTHING);
    const w = await measureWindow(target, pubs, subs, seconds, receives, Math.max(20_000, rooms * n * 60));
    return { w, placement };
  } finally {
    await Promise.all(pubs.map((p) => p.close()));
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1500));
  }
}

/** Entry point of `npm run bench -- workers`. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '1,2' },
      rooms: { type: 'string', default: '2' },
      n: { type: 'string', default: '100,200,300,400' },
      seconds: { type: 'string', default: '8' },
    },
  });
  const counts = list(values.workers, 16);
  const rooms = Math.max(1, Math.min(16, Number(values.rooms) || 2));
  const levels = list(values.n, 2000);
  const seconds = Math.min(60, Math.max(2, Number(values.seconds)));
  const rows: Record<string, string | number>[] = [];
  const best = new Map<number, WindowResult>();
  for (const workers of counts) {
    const target = await rtcroomTarget([], ['--workers', String(workers)], { pin: false });
    try {
      for (const n of levels) {
        let result: { w: WindowResult; placement: string };
        try {
          result = await level(target, rooms, n, seconds);
        } catch (e) {
          console.error(`workers=${workers} N=${n}: ${e instanceof Error ? e.message : String(e)}`);
          rows.push({ target: `workers=${workers}`, N: n, status: `error: ${e instanceof Error ? e.message : String(e)}` });
          break;
        }
        const { w, placement } = result;
        const ok = !w.failed && w.lossPercent < MAX_LOSS_PERCENT;
        rows.push(row(`workers=${workers}`, n, w, { rooms, placement, 'generator CPU %': w.generator.cpuPercent, 'machine idle %': w.generator.coreIdlePercent, status: w.failed ? `FAILED: ${w.failed}` : ok ? 'ok' : 'loss ≥ 1%' }));
        console.error(`workers=${workers} ${rooms}×N=${n} (${placement}): ${w.forwardedPps.toFixed(0)} pkt/s forwarded, loss ${w.lossPercent.toFixed(2)}%, server CPU ${w.cpuPercent.toFixed(0)}%, generator ${w.generator.cpuPercent.toFixed(0)}%`);
        if (!ok) break;
        best.set(workers, w);
      }
    } finally {
      await target.stop();
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  console.log(`workers: ${rooms} fanout rooms per level, lean listeners, ${seconds} s windows, nothing pinned`);
  printTable(rows);
  const base = best.get(counts[0]!);
  const summary = counts.map((k) => {
    const w = best.get(k);
    return {
      workers: k,
      'fwd pkt/s at < 1% loss': w ? w.forwardedPps : '—',
      'server CPU %': w ? w.cpuPercent : '—',
      'CPU µs/pkt': w ? w.cpuUsPerPacket : '—',
      [`÷ workers=${counts[0]}`]: w && base ? w.forwardedPps / base.forwardedPps : '—',
    };
  });
  console.log('\nLargest level at < 1% loss per worker count');
  printTable(summary);
  console.log(`wrote ${writeResult('workers', { rooms, seconds, rows, summary })}`);
}
