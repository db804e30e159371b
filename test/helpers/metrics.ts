// Scrapes /metrics and reads values from the parsed families (test/helpers/prom-text.ts).
import { parsePromText, type Family } from './prom-text.ts';

/** Parsed families by name. */
export type Scrape = Map<string, Family>;

/** GETs `${base}/metrics` (with `key` as a bearer token) and parses it; throws on a non-200. */
export async function scrape(base: string, key?: string): Promise<Scrape> {
  const r = await fetch(`${base}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const text = await r.text();
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${text}`);
  if (!/^text\/plain; version=0\.0\.4/.test(r.headers.get('content-type') ?? '')) throw new Error(`content type ${r.headers.get('content-type')}`);
  return parsePromText(text);
}

/**
 * The sum of a family's values over samples whose labels include `labels` (0 when none): the
 * plain samples of a counter or gauge, the `_count` of a histogram.
 */
export function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const f = s.get(name);
  if (!f) throw new Error(`no metric ${name}`);
  const own = f.type === 'histogram' ? `${name}_count` : name;
  let sum = 0;
  for (const m of f.samples) if (m.name === own && Object.entries(labels).every(([k, v]) => m.labels[k] === v)) sum += m.value;
  return sum;
}
