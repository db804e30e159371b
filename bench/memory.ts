// What one subscriber costs the server in memory: a publisher (audio + video) and `--from` werift
// subscribers, then `--to`; the server's RSS, V8 heap and external memory per added subscriber
// (from its /metrics). Then, in a second server process (a heap snapshot grows the RSS), a heap
// snapshot at each count (the server's --heapsnapshot-signal) diffed by constructor: what the
// heap holds per subscriber, and of what.
//   npm run bench -- memory [--from 20] [--to 120] [--native on|off]
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rtcroomTarget } from './lib/rtcroom-target.ts';
import type { SubscriberClient } from './lib/target.ts';
import { printTable, writeResult } from './report.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fields of a V8 heap snapshot read here. */
interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and objects by `type:constructor` (objects, closures, natives) or by type (the rest). */
function byConstructor(file: string): Map<string, { n: number; bytes: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const w = fields.length;
  const [ti, ni, si] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const out = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += w) {
    const type = types[s.nodes[i + ti]!]!;
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${s.strings[s.nodes[i + ni]!]}` : type;
    const e = out.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += s.nodes[i + si]!;
    out.set(key, e);
  }
  return out;
}

/** Entry used by bench/run.ts. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string', default: '20' }, to: { type: 'string', default: '120' }, native: { type: 'string', default: 'on' } } });
  const [from, to] = [Number(values.from), Number(values.to)];
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to > from && to <= 1000)) throw new Error('need 1 ≤ --from < --to ≤ 1000');
  if (values.native !== 'on' && values.native !== 'off') throw new Error(`--native must be on or off, got "${values.native}"`);
  const per = (a: number, b: number) => (b - a) / (to - from) / 1024;
  // one server for the RSS and heap figures (before any snapshot), another for the snapshots
  const rows = await withServer(values.native, async (t, grow) => {
    await grow(from);
    const m1 = await memoryOf(t);
    await grow(to);
    const m2 = await memoryOf(t);
    return (Object.keys(m1) as (keyof typeof m1)[]).map((k) => ({ measure: k, [`at ${from} MB`]: m1[k] / 1e6, [`at ${to} MB`]: m2[k] / 1e6, 'KB per subscriber': per(m1[k], m2[k]) }));
  });
  console.log(`memory: 1 publisher, ${from} → ${to} werift subscribers (native ${values.native})`);
  printTable(rows);
  const [a, b] = await withServer(values.native, async (t, grow) => {
    await grow(from);
    const first = byConstructor(await snapshot(t));
    await grow(to);
    return [first, byConstructor(await snapshot(t))];
  });
  const diff = [...b].map(([k, v]) => ({ what: k, 'KB per subscriber': per(a.get(k)?.bytes ?? 0, v.bytes), 'objects per subscriber': (v.n - (a.get(k)?.n ?? 0)) / (to - from) }));
  const heapPerSub = diff.reduce((x, r) => x + r['KB per subscriber'], 0);
  const top = diff.sort((x, y) => y['KB per subscriber'] - x['KB per subscriber']).slice(0, 15);
  console.log(`heap snapshots at ${from} and ${to} subscribers: ${heapPerSub.toFixed(1)} KB of live objects per subscriber`);
  printTable(top);
  console.log(`wrote ${writeResult('memory', { from, to, native: values.native, rows, heapPerSubKb: heapPerSub, top })}`);
}

type Target = Awaited<ReturnType<typeof rtcroomTarget>>;

/** Runs `fn` against a fresh server with a publisher; `grow(n)` adds subscribers up to n, then lets them settle 5 s. */
async function withServer<T>(native: string, fn: (t: Target, grow: (n: number) => Promise<void>) => Promise<T>): Promise<T> {
  const t = await rtcroomTarget(['--heapsnapshot-signal=SIGUSR1'], ['--native', native], { pin: false });
  const subs: SubscriberClient[] = [];
  const pub = await t.publisher('mem', 'p');
  try {
    return await fn(t, async (n) => {
      while (subs.length < n) subs.push(await t.subscriber('mem', `s${subs.length}`, ['p']));
      await sleep(5000);
    });
  } finally {
    for (const s of subs) await s.close();
    await pub.close();
    await t.stop();
  }
}

/** The server's RSS, and its V8 heap and external memory from its /metrics (bytes). */
async function memoryOf(t: Target): Promise<{ rss: number; heapTotal: number; heapUsed: number; external: number }> {
  const text = await (await fetch(`${t.server.url}/metrics`)).text();
  const get = (k: string) => Number(new RegExp(`^${k}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: t.rssBytes(), heapTotal: get('nodejs_heap_size_total_bytes'), heapUsed: get('nodejs_heap_size_used_bytes'), external: get('nodejs_external_memory_bytes') };
}

/** Has the server write a heap snapshot (in its working directory) and returns the file once written. */
async function snapshot(t: Target): Promise<string> {
  const dir = readlinkSync(`/proc/${t.pid}/cwd`);
  const before = new Set(readdirSync(dir));
  t.server.signal('SIGUSR1');
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
    if (!f) continue;
    // written once its size holds still
    for (let last = -1; ; ) {
      await sleep(1500);
      const size = statSync(join(dir, f)).size;
      if (size === last) return join(dir, f);
      last = size;
    }
  }
  throw new Error('no heap snapshot written');
}
