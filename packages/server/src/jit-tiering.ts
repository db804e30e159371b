/**
 * When V8 compiles the server's functions with its optimizing compiler (TurboFan). V8 does it
 * after about 3,000 invocations of a function (`--invocation-count-for-turbofan`, counted in
 * bytecodes run, so a function with loops gets there sooner); Node 22 runs without the mid tier
 * (Maglev) in between. A forwarding server's work per received packet (the receive path, the
 * producer, the send queue's flush) runs once per packet of a publisher, ~100 times a second for
 * video: those functions ran in V8's baseline code, calling an inline cache for every property
 * read, for the first 25–30 seconds of a room, and TurboFan compiled per-packet functions all
 * through that time (10% of the process's samples 24–36 s after the media started, `perf`).
 * With TurboFan after 400 invocations they are optimized within a few seconds: fanout N = 50
 * (`npm run bench -- fanout`, the window 10–25 s after the media started) 22.2 / 22.2 µs per
 * forwarded packet with V8's default, 18.8 / 19.1 µs with this; with the default, the same
 * window 60 s later measured 20.2 µs. The price is paid once, by a cold server: functions called
 * a few hundred times (a join's handling) are compiled too, and its first joins' slowest tenth
 * waited 1–1.5 ms more (`npm run bench -- join`).
 *
 * V8 reads the count whenever it decides whether to tier a function up, so the server sets it
 * when it starts ({@link tierUpSooner}); media workers do the same. A count given to Node on the
 * command line wins.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/** The invocations after which V8 compiles a function with TurboFan in the server (V8's default: 3,000). */
export const TURBOFAN_INVOCATIONS = 400;

const FLAG = /^--invocation[-_]count[-_]for[-_]turbofan(=|$)/;

/**
 * Makes V8 optimize hot functions after {@link TURBOFAN_INVOCATIONS} invocations, unless the
 * process was started with its own `--invocation-count-for-turbofan`. Returns the count in force
 * from now on, or undefined when the command line's stands.
 */
export function tierUpSooner(execArgv: readonly string[] = process.execArgv, set: (flags: string) => void = setFlagsFromString): number | undefined {
  if (execArgv.some((a) => FLAG.test(a))) return undefined;
  set(`--invocation-count-for-turbofan=${TURBOFAN_INVOCATIONS}`);
  return TURBOFAN_INVOCATIONS;
}
