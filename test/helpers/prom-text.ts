// A small strict parser of the Prometheus text exposition format (version 0.0.4), for tests. The
// npm parser parse-prometheus-text-format drops the labels, _count and _sum of histogram samples,
// so this one is used instead. It throws on anything malformed: a sample before its TYPE, a bad
// name, label or value, a counter not named *_total, non-cumulative histogram buckets.

/** One sample line. */
export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, …). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family: its HELP, TYPE and samples. */
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<Family['type'], string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count', '_created'], summary: ['', '_sum', '_count', '_created'], untyped: [''] };

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus reads values with Go's ParseFloat: NaN in any case (prom-client writes "Nan")
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (eq < 0 || !LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`line ${line}: bad label at ${JSON.stringify(text.slice(i))}`);
    let j = eq + 2;
    let v = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] !== '\\') v += text[j];
      else {
        const c = text[++j];
        if (c === 'n') v += '\n';
        else if (c === '\\' || c === '"') v += c;
        else throw new Error(`line ${line}: bad escape \\${c}`);
      }
    }
    if (j >= text.length) throw new Error(`line ${line}: unterminated label value`);
    if (name in out) throw new Error(`line ${line}: label ${name} twice`);
    out[name] = v;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`line ${line}: expected , after label ${name}`);
  }
  return out;
}

/** Parses a whole exposition; families by name. */
export function parsePromText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${n}: bad metric name ${name}`);
      if (kind === 'HELP') help.set(name, rest);
      else {
        if (families.has(name)) throw new Error(`line ${n}: TYPE of ${name} twice`);
        if (!(rest in SUFFIXES)) throw new Error(`line ${n}: bad type ${rest}`);
        if (rest === 'counter' && !name.endsWith('_total')) throw new Error(`line ${n}: counter ${name} not named *_total`);
        families.set(name, { name, help: help.get(name) ?? '', type: rest as Family['type'], samples: [] });
      }
      return;
    }
    if (raw.startsWith('#')) return;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${n}: bad sample ${JSON.stringify(raw)}`);
    const [, name, labels, value] = m as unknown as [string, string, string | undefined, string];
    const family = [...families.values()].reverse().find((f) => SUFFIXES[f.type].some((s) => f.name + s === name));
    if (!family) throw new Error(`line ${n}: sample ${name} has no TYPE before it`);
    family.samples.push({ name, labels: labels ? parseLabels(labels, n) : {}, value: parseValue(value, n) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets cumulative and ending in +Inf = _count, per label set. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    if (s.name !== `${f.name}_bucket`) continue;
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${f.name}: bucket without le`);
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    let last = -1;
    for (const b of buckets) {
      if (b.value < last) throw new Error(`${f.name}${key}: buckets not cumulative`);
      last = b.value;
    }
    const count = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(s.labels) === key);
    if (buckets.at(-1)?.labels.le !== '+Inf' || count?.value !== last) throw new Error(`${f.name}${key}: +Inf bucket must equal _count`);
  }
}
