/**
 * Media ports of workers: each worker binds its own UDP sockets, so a `--rtc-ports` range is
 * split into one contiguous slice per worker and two workers never try the same port.
 * @module
 */

/** Each peer connection binds one UDP port (bundle, no RTCP mux sockets): a slice needs at least this many. */
export const MIN_PORTS_PER_WORKER = 2;

/**
 * The slice of `range` for worker `index` of `workers`: equal slices in order, the last one
 * taking the remainder. Throws when the range is too small for every worker to get
 * {@link MIN_PORTS_PER_WORKER} ports.
 */
export function portSlice(range: readonly [number, number], workers: number, index: number): [number, number] {
  const [lo, hi] = range;
  const total = hi - lo + 1;
  const size = Math.floor(total / workers);
  if (size < MIN_PORTS_PER_WORKER) throw new Error(`the media port range ${lo}-${hi} (${total} ports) is too small for ${workers} workers: at least ${MIN_PORTS_PER_WORKER * workers} ports`);
  const start = lo + index * size;
  return [start, index === workers - 1 ? hi : start + size - 1];
}
