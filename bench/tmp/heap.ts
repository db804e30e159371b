// throwaway: heap snapshots of the server at two subscriber counts, diffed by constructor
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rtcroomTarget } from '../lib/rtcroom-target.ts';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const [n1, n2] = [Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 120)];
const extra = process.argv.slice(4);
const env: Record<string, string> = process.env.ARENA ? { MALLOC_ARENA_MAX: process.env.ARENA } : {};
const t = await rtcroomTarget(['--heapsnapshot-signal=SIGUSR1', '--expose-gc'], extra, { pin: false, env });
const dir = (await import('node:child_process')).execSync(`readlink /proc/${t.pid}/cwd`, { encoding: 'utf8' }).trim();
const pub = await t.publisher('r', 'p');
const subs = [];
async function grow(n: number) {
  while (subs.length < n) subs.push(await t.subscriber('r', `s${subs.length}`, ['p']));
}
async function snap(): Promise<string> {
  const before = new Set(readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')));
  t.server.signal('SIGUSR1');
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const f = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (f.length) {
      const { statSync } = await import('node:fs');
      let last = -1;
      for (;;) { await sleep(1500); const z = statSync(join(dir, f[0]!)).size; if (z === last) return join(dir, f[0]!); last = z; }
    }
  }
  throw new Error('no snapshot');
}
function agg(file: string) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields as string[];
  const types = s.snapshot.meta.node_types[0] as string[];
  const w = f.length, ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const m = new Map<string, { n: number; b: number }>();
  const nodes = s.nodes as number[];
  for (let i = 0; i < nodes.length; i += w) {
    const type = types[nodes[i + ti]!]!;
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${s.strings[nodes[i + ni]!]}` : type;
    const e = m.get(name) ?? { n: 0, b: 0 };
    e.n++; e.b += nodes[i + si]!;
    m.set(name, e);
  }
  return m;
}
async function mem() {
  const txt = await (await fetch(`${t.server.url}/metrics`)).text();
  const get = (k: string) => Number(new RegExp(`^${k}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(txt)?.[1] ?? NaN);
  return { rss: get('process_resident_memory_bytes'), heapTotal: get('nodejs_heap_size_total_bytes'), heapUsed: get('nodejs_heap_size_used_bytes'), external: get('nodejs_external_memory_bytes') };
}
await grow(n1); await sleep(5000);
const m1 = await mem();
const rss1 = await t.rssBytes(); const f1 = process.env.NOSNAP ? '' : await snap();
await grow(n2); await sleep(5000);
const m2 = await mem();
const rss2 = await t.rssBytes();
if (process.env.NOSNAP) { console.log(`rss ${((rss2 - rss1) / (n2 - n1) / 1e6).toFixed(3)} MB/sub`); process.exit(0); }
const f2 = await snap();
for (const k of Object.keys(m1) as (keyof typeof m1)[]) console.log(`${k}: ${(m1[k] / 1e6).toFixed(1)} → ${(m2[k] / 1e6).toFixed(1)} MB, ${((m2[k] - m1[k]) / (n2 - n1) / 1e3).toFixed(0)} KB/sub`);
console.log(`rss ${rss1 / 1e6} → ${rss2 / 1e6} MB: ${((rss2 - rss1) / (n2 - n1) / 1e6).toFixed(3)} MB/sub`);
const a = agg(f1), b = agg(f2);
const rows = [...b].map(([k, v]) => ({ k, dn: (v.n - (a.get(k)?.n ?? 0)) / (n2 - n1), db: (v.b - (a.get(k)?.b ?? 0)) / (n2 - n1) })).sort((x, y) => y.db - x.db);
let tot = 0; for (const r of rows) tot += r.db;
console.log(`heap per sub: ${(tot / 1024).toFixed(1)} KB`);
for (const r of rows.slice(0, 60)) console.log(`${(r.db / 1024).toFixed(2).padStart(8)} KB ${r.dn.toFixed(1).padStart(7)}  ${r.k.slice(0, 100)}`);
for (const s of subs) await s.close?.();
await pub.close?.();
await t.stop();
process.exit(0);
