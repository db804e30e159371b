// Benchmark entry: `npm run bench -- <name> [options]`. Each benchmark prints a table and writes JSON to bench/results/.
const BENCHES: Record<string, () => Promise<{ main(args: string[]): Promise<void> }>> = {
  join: () => import('./join-latency.ts'),
  forward: () => import('./forward.ts'),
  'first-frame': () => import('./first-frame.ts'),
  speakers: () => import('./speakers.ts'),
  fanout: async () => (await import('./sfu.ts')).scenario('fanout'),
  meeting: async () => (await import('./sfu.ts')).scenario('meeting'),
  'audio-room': async () => (await import('./sfu.ts')).scenario('audio-room'),
  'audio-idle': () => import('./audio-idle.ts'),
  'join-storm': async () => (await import('./sfu.ts')).scenario('join-storm'),
  floor: () => import('./floor.ts'),
  'srtp-native': () => import('./srtp-native.ts'),
  profile: () => import('./profile.ts'),
  fuzz: () => import('./fuzz.ts'),
  churn: () => import('./churn.ts'),
  adapt: () => import('./adapt.ts'),
  demux: () => import('./demux.ts'),
  workers: () => import('./workers.ts'),
  'miniapp-render': () => import('./miniapp-render.ts'),
  memory: () => import('./memory.ts'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? BENCHES[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]`);
  process.exit(2);
}
try {
  await (await load()).main(args);
} catch (e) {
  // a mistyped option: say so and where the options are listed, not a stack trace
  const code = (e as { code?: string }).code;
  if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && code !== 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw e;
  console.error(`bench ${name}: ${(e as Error).message.split('\n')[0]} (its options: README.md, "Benchmarks")`);
  process.exit(2);
}
// the results are printed and written: do not wait for client sockets a library left open
process.exit(process.exitCode ?? 0);
