// Loaded into a benchmark's server process with `--import` (never in production): counts the
// timers and intervals that are set and neither fired (timeouts) nor cleared, and every 500 ms
// writes them, the handles Node reports as active and the heap to <tmpdir>/rtcroom-probe-<pid>.json.
// Timers are counted by wrapping setTimeout/setInterval (global and `node:timers`); unref'd
// ones count too, unlike process.getActiveResourcesInfo(). Diagnostics (environment):
// RTCROOM_PROBE_GC=1 (with --expose-gc) collects before each report; RTCROOM_PROBE_SNAP=FILE:
// when FILE appears, a heap snapshot is written to the path it contains and FILE is removed.
import timers from 'node:timers';
import { syncBuiltinESMExports } from 'node:module';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the probe writes. */
export interface ProbeReport {
  /** performance.timeOrigin + performance.now() at writing (ms since epoch). */
  at: number;
  /** Timeouts set and neither fired nor cleared. */
  timeouts: number;
  /** Intervals set and not cleared. */
  intervals: number;
  /** process.getActiveResourcesInfo() by type (ref'd handles and requests). */
  resources: Record<string, number>;
  heapUsedBytes: number;
  /** Memory of ArrayBuffers and Buffers (outside the V8 heap). */
  arrayBuffersBytes: number;
}

/** Where the probe of process `pid` writes. */
export function probeFile(pid: number): string {
  return join(tmpdir(), `rtcroom-probe-${pid}.json`);
}

// only when loaded by --import into a server, not when a benchmark imports probeFile
if (process.argv.some((a) => a.endsWith('rtcroom.js'))) install();

function install(): void {
  const liveTimeouts = new Set<unknown>();
  const liveIntervals = new Set<unknown>();
  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci } = timers;
  const setTimeoutCounted = function (cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
    const t: NodeJS.Timeout = st(
      (...a: unknown[]) => {
        liveTimeouts.delete(t);
        cb(...a);
      },
      ms,
      ...args,
    );
    liveTimeouts.add(t);
    return t;
  } as typeof setTimeout;
  Object.assign(setTimeoutCounted, st);
  const setIntervalCounted = function (cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
    const t = si(cb, ms, ...args);
    liveIntervals.add(t);
    return t;
  } as typeof setInterval;
  // clearTimeout and clearInterval are interchangeable in Node
  const clear = (t: unknown): void => {
    liveTimeouts.delete(t);
    liveIntervals.delete(t);
  };
  const clearTimeoutCounted = ((t?: NodeJS.Timeout | string | number) => (clear(t), ct(t))) as typeof clearTimeout;
  const clearIntervalCounted = ((t?: NodeJS.Timeout | string | number) => (clear(t), ci(t))) as typeof clearInterval;
  Object.assign(timers, { setTimeout: setTimeoutCounted, setInterval: setIntervalCounted, clearTimeout: clearTimeoutCounted, clearInterval: clearIntervalCounted });
  Object.assign(globalThis, { setTimeout: setTimeoutCounted, setInterval: setIntervalCounted, clearTimeout: clearTimeoutCounted, clearInterval: clearIntervalCounted });
  syncBuiltinESMExports();
  const file = probeFile(process.pid);
  // the probe's own interval is not counted
  const gc = (globalThis as { gc?: () => void }).gc;
  si(() => {
    if (gc && process.env.RTCROOM_PROBE_GC === '1') gc();
    const snapReq = process.env.RTCROOM_PROBE_SNAP;
    if (snapReq && existsSync(snapReq)) {
      const to = readFileSync(snapReq, 'utf8').trim();
      unlinkSync(snapReq);
      writeHeapSnapshot(to);
    }
    const resources: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
    const mem = process.memoryUsage();
    const report: ProbeReport = { at: performance.timeOrigin + performance.now(), timeouts: liveTimeouts.size, intervals: liveIntervals.size, resources, heapUsedBytes: mem.heapUsed, arrayBuffersBytes: mem.arrayBuffers };
    writeFileSync(file, JSON.stringify(report));
  }, 500).unref();
}
