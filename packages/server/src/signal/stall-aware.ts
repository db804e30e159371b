/**
 * A periodic check that never judges on stale timestamps. After the event loop stalled (a sweep
 * fires far later than planned), frames and pongs that arrived meanwhile are still unread, so that
 * sweep is skipped; and what a sweep finds is confirmed after the next I/O phase (`setImmediate`
 * runs after the poll phase), so data already waiting on a socket counts before any verdict.
 * @module
 */

/**
 * Every `everyMs`, `find(now)` lists suspects; each is passed to `confirm` after the I/O phase,
 * which must check again before acting. Returns the timer (unref'd); clear it to stop.
 */
export function stallAwareSweep<T>(everyMs: number, find: (now: number) => T[], confirm: (item: T) => void): NodeJS.Timeout {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const stalled = now - last > everyMs * 2;
    last = now;
    if (stalled) return;
    const suspects = find(now);
    if (suspects.length) setImmediate(() => suspects.forEach(confirm));
  }, everyMs);
  timer.unref();
  return timer;
}
