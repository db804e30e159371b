// Long tasks in a V8 CPU profile: stretches where the main thread never went idle, the stalls
// that hold every packet arriving meanwhile (what makes a forwarding delay's p99).

/** A node of a V8 CPU profile (`.cpuprofile`). */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 CPU profile: its call tree, the node of each sample and the µs between samples. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of the profile with no idle sample. */
export interface LongTask {
  /** Its start, ms after the profile's first sample. */
  atMs: number;
  /** How long it lasted (ms). */
  ms: number;
  /** The entry points (the outermost frames below the event loop) it spent its time in, most first. */
  entries: { entry: string; ms: number }[];
}

/** Frames that only say how the event loop called in; the entry point is the first frame below them. */
const PLUMBING = /^(\(root\)|processTimers|listOnTimeout|processImmediate|processTicksAndRejections|runNextTicks|emit|onMessage|emitMessage|(anonymous))$/;

/** `name file:line` of a frame, the path from node_modules/ or packages/. */
function label(n: CpuProfileNode): string {
  const cf = n.callFrame;
  const where = cf.url ? ` ${cf.url.replace(/^.*\/(node_modules|packages)\//, '$1/').replace(/^file:\/\//, '')}:${cf.lineNumber + 1}` : '';
  return `${cf.functionName || '(anonymous)'}${where}`;
}

/**
 * The stretches of `p` at least `minMs` long in which every sample was busy (not `(idle)`), the
 * longest first, each with the entry points it ran: for a sample, the first frame under the
 * root that is not event-loop plumbing (`processTimers`, `emit`, …), or `(garbage collector)`,
 * `(program)` for time outside JavaScript.
 */
export function longTasks(p: CpuProfile, minMs: number, max = 8): LongTask[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const entryCache = new Map<number, string>();
  const entryOf = (id: number): string => {
    const cached = entryCache.get(id);
    if (cached !== undefined) return cached;
    const chain: CpuProfileNode[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) chain.push(byId.get(x)!);
    chain.reverse();
    const named = chain.find((n, i) => i > 0 && !PLUMBING.test(n.callFrame.functionName || '(anonymous)'));
    const e = named ? label(named) : label(chain.at(-1)!);
    entryCache.set(id, e);
    return e;
  };
  const out: LongTask[] = [];
  let t = 0;
  let start = -1;
  let spent = new Map<string, number>();
  const close = (end: number): void => {
    if (start >= 0 && (end - start) / 1000 >= minMs) {
      const entries = [...spent].sort((a, b) => b[1] - a[1]).map(([entry, us]) => ({ entry, ms: us / 1000 }));
      out.push({ atMs: start / 1000, ms: (end - start) / 1000, entries });
    }
    start = -1;
    spent = new Map();
  };
  p.samples.forEach((id, i) => {
    // the first sample is at 0
    if (i > 0) t += p.timeDeltas[i] ?? 0;
    // sample i is at t and lasts until the next one
    const idle = byId.get(id)?.callFrame.functionName === '(idle)';
    if (idle) return close(t);
    if (start < 0) start = t;
    const e = entryOf(id);
    spent.set(e, (spent.get(e) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  });
  close(t);
  return out.sort((a, b) => b.ms - a.ms).slice(0, max);
}
