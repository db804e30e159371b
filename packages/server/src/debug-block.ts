/**
 * A fault for tests, off unless the environment asks for it: with `RTCROOM_DEBUG_BLOCK_MS=N` in
 * the server's environment, each SIGWINCH blocks the main process's event loop for N ms (a busy
 * loop, as a signaling flood or a long GC would). Tests use it to prove that rooms on media
 * workers keep their packets flowing while the main process stalls. Without the variable nothing
 * is installed, and SIGWINCH keeps its default (ignored).
 * @module
 */
import type { Logger } from './log.ts';

/** The environment variable that enables the fault. */
export const DEBUG_BLOCK_ENV = 'RTCROOM_DEBUG_BLOCK_MS';

/** Installs the SIGWINCH stall when {@link DEBUG_BLOCK_ENV} is set to a number of ms (at most 60000). */
export function blockOnSignalForTests(log: Logger, env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[DEBUG_BLOCK_ENV];
  if (raw === undefined || raw === '') return false;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 60_000) throw new Error(`${DEBUG_BLOCK_ENV} must be a whole number of ms from 1 to 60000, got "${raw}"`);
  log.warn('test fault enabled: SIGWINCH blocks the event loop', { ms });
  process.on('SIGWINCH', () => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  });
  return true;
}
