/**
 * The V8 young generation the server should run with. A forwarding server's short-lived objects
 * (a packet's, a report's, a feedback's) outlive V8's default 1 MB semi-space, which is scavenged
 * every ~200 ms at 200 subscribers: what lives half a second is promoted, and the old generation's
 * mark-compacts (every 5–7 s, 130–175 ms of marking, pauses up to 35 ms) held the event loop
 * while packets waited (fanout N = 200, `npm run bench -- fanout`: delay p99 31.9 / 46.8 /
 * 47.7 ms with the default, 21.9 / 20.7 / 35.5 ms with a 16 MB semi-space, no more CPU). Node
 * reads the flags at start only: `npm start`, the `rtcroom` command's hand-over to Node 22, the
 * Dockerfile and the systemd unit pass {@link SEMI_SPACE_FLAGS}; the startup log says when they
 * are missing.
 * @module
 */
/** The semi-space size the server runs with (MB). */
export const SEMI_SPACE_MB = 16;

/** The Node flags giving the young generation {@link SEMI_SPACE_MB}. */
export const SEMI_SPACE_FLAGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--min-semi-space-size=${SEMI_SPACE_MB}`] as const;

/**
 * The smallest semi-space (MB) the process was started with (`--min-semi-space-size` on the
 * command line or in `NODE_OPTIONS`; the last one counts), or undefined without one. (V8 grows
 * and shrinks the semi-space between that and the maximum as it goes: only the floor is fixed.)
 */
export function minSemiSpaceMb(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | undefined {
  let mb: number | undefined;
  for (const a of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--min[-_]semi[-_]space[-_]size=(\d+)$/.exec(a);
    if (m) mb = Number(m[1]);
  }
  return mb;
}

/** A warning for the startup log when the process was started without the young generation's floor; undefined when it was. */
export function youngGenerationWarning(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string | undefined {
  const mb = minSemiSpaceMb(execArgv, nodeOptions);
  if (mb !== undefined && mb >= SEMI_SPACE_MB) return undefined;
  return `node was started without ${SEMI_SPACE_FLAGS.join(' ')} (as npm start, the rtcroom command, the Dockerfile and the systemd unit start it): V8's young generation then scavenges every few hundred ms, promotes what lives half a second and collects the old generation every few seconds, a forwarding delay's p99`;
}
