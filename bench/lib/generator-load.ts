// How loaded the load generator itself is over a window, so a reader can tell whether the
// generator or the server was the limit: this process's CPU, the idle
// share of the cores it may run on (from /proc/stat; other work on those cores shows here too), and
// its event-loop delay.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The generator's load over one window. */
export interface GeneratorLoad {
  /** This process's user+system CPU (all its threads), % of one core. */
  cpuPercent: number;
  /** The cores this process may run on, e.g. `1`. */
  cores: string;
  /** Idle share of those cores over the window, % (NaN where /proc/stat cannot be read). */
  coreIdlePercent: number;
  /** Busy share of every core over the window, %, by core number (other processes' work included). */
  coreBusyPercent: Record<number, number>;
  /** Event-loop delay of this process over the window, ms (p99 and max). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** The CPU list this process may run on (Cpus_allowed_list of /proc/self/status), as core numbers. */
export function allowedCores(status: string): number[] {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1];
  if (!list) return [];
  return list.split(',').flatMap((r) => {
    const [a, b] = r.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

/** Idle and total jiffies of each core in `/proc/stat` text. */
export function coreTimes(stat: string): Map<number, { idle: number; total: number }> {
  const out = new Map<number, { idle: number; total: number }>();
  for (const m of stat.matchAll(/^cpu(\d+) (.*)$/gm)) {
    const f = m[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out.set(Number(m[1]), { idle: f[3]! + f[4]!, total });
  }
  return out;
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** Starts measuring; the returned function ends the window and reports. */
export function measureGenerator(): () => GeneratorLoad {
  const cores = allowedCores(read('/proc/self/status'));
  const idleOf = (t: Map<number, { idle: number; total: number }>) => cores.reduce((a, c) => ({ idle: a.idle + (t.get(c)?.idle ?? 0), total: a.total + (t.get(c)?.total ?? 0) }), { idle: 0, total: 0 });
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const all0 = coreTimes(read('/proc/stat'));
  const s0 = idleOf(all0);
  return () => {
    const dt = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const all1 = coreTimes(read('/proc/stat'));
    const s1 = idleOf(all1);
    const coreBusyPercent: Record<number, number> = {};
    for (const [core, t1] of all1) {
      const t0 = all0.get(core);
      if (t0 && t1.total > t0.total) coreBusyPercent[core] = (1 - (t1.idle - t0.idle) / (t1.total - t0.total)) * 100;
    }
    h.disable();
    const total = s1.total - s0.total;
    return {
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / dt) * 100,
      cores: cores.join(','),
      coreIdlePercent: total > 0 ? ((s1.idle - s0.idle) / total) * 100 : NaN,
      coreBusyPercent,
      loopDelayP99Ms: h.percentile(99) / 1e6,
      loopDelayMaxMs: h.max / 1e6,
    };
  };
}
