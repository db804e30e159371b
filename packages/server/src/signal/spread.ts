/**
 * Periodic work over many items, spread over its period: every `periodMs / slices` one slice of
 * the items gets its turn, each item once a period. The server's pings to every session in one
 * turn held the event loop (18 ms at 200 sessions, every second: a forwarding delay's p99, and
 * about 90 ms at a thousand listeners).
 * @module
 */

/** Whether item `id` has its turn at tick `tick` of `slices` ticks a period. */
export function inSlice(id: number, tick: number, slices: number): boolean {
  return ((id % slices) + slices) % slices === tick % slices;
}

/**
 * Every `periodMs / slices` (at least 10 ms), runs `each` for the items of `items()` whose turn it
 * is (by `idOf`): each item once every `periodMs`. Returns the timer (unref'd); clear it to stop.
 */
export function spreadEvery<T>(periodMs: number, slices: number, items: () => Iterable<T>, idOf: (item: T) => number, each: (item: T) => void): NodeJS.Timeout {
  let tick = 0;
  const timer = setInterval(
    () => {
      const t = tick++;
      for (const item of items()) if (inSlice(idOf(item), t, slices)) each(item);
    },
    Math.max(10, periodMs / slices),
  );
  timer.unref();
  return timer;
}
