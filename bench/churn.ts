// Churn: signaling-only and media join/leave cycles against a server process; afterwards rooms,
// members, sessions, peers, producers and consumers must be back to zero, open fds and live
// timers back to the baseline, and RSS within 5% of the baseline. The baseline is taken after a
// warm-up of the same kinds of cycles and a settle; the final figures after the same settle.
//   npm run bench -- churn [--signaling 5000] [--media 300] [--concurrency 300] [--settle-ms 10000] [--gc]
// --gc (diagnostics): the server runs with --expose-gc and collects every 500 ms, so the heap
// figures show what is retained; the RSS check is meant for runs without it.
// Exits 1 when a check fails.
import { parseArgs } from 'node:util';
import { printTable, writeResult } from './report.ts';
import { churn, type Snapshot } from './lib/churn.ts';

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

function row(what: string, s: Snapshot): Record<string, string | number> {
  const c = s.counts;
  const handles = s.handles ? Object.entries(s.handles).map(([k, v]) => `${k} ${v}`).join(', ') : 'n/a';
  return {
    when: what,
    rooms: c.rooms,
    members: c.members,
    sessions: c.sessions,
    'peers/prod/cons': `${c.peers}/${c.producers}/${c.consumers}`,
    'RSS MB': mb(s.rssBytes),
    'heap MB': s.heapUsedBytes === undefined ? 'n/a' : mb(s.heapUsedBytes),
    fds: s.fds,
    'timeouts/intervals': `${s.timeouts ?? '?'}/${s.intervals ?? '?'}`,
    'ref handles': handles,
    'drain ms': Math.round(s.drainMs),
  };
}

/** `npm run bench -- churn`. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      signaling: { type: 'string', default: '5000' },
      media: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '300' },
      'settle-ms': { type: 'string', default: '10000' },
      gc: { type: 'boolean', default: false },
    },
  });
  const opts = { signaling: Number(values.signaling), media: Number(values.media), concurrency: Number(values.concurrency), settleMs: Number(values['settle-ms']) };
  for (const [k, v] of Object.entries(opts)) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a whole number, got ${v}`);
  const r = await churn({ ...opts, gc: values.gc });
  const s = r.signaling;
  const m = r.media;
  console.log(`signaling: ${s.cycles} cycles (${s.modes.exit} exit, ${s.modes.close} close, ${s.modes.drop} dropped socket) in ${s.seconds.toFixed(1)} s, ${r.concurrency} at once, ${s.failed} failed`);
  console.log(`media: ${m.cycles} publisher+subscriber cycles (every other one in a shared hall) (${m.dropped} dropped) in ${m.seconds.toFixed(1)} s, ${m.packetsReceived} packets received, ${m.failed} failed; the hall's standing subscriber ended with ${m.hallSlots} transceivers`);
  console.log(r.pinned);
  printTable([row('baseline (after warm-up + settle)', r.baseline), row('after churn + settle', r.after)]);
  console.log(`RSS growth: ${r.rssGrowthPercent.toFixed(2)}% (limit 5%); fds ${r.baseline.fds} → ${r.after.fds}`);
  const file = writeResult('churn', { options: opts, ...r });
  console.log(`wrote ${file}`);
  if (r.failures.length) {
    console.error(`FAIL: ${r.failures.join('; ')}`);
    process.exitCode = 1;
  } else console.log('PASS: everything released');
}
