/**
 * On-demand CPU profiling: with `--profile-dir DIR`, the first SIGUSR2 starts the V8 profiler and
 * the next one writes `DIR/rtcroom-<time>.cpuprofile` (so a benchmark can profile exactly its
 * steady window, without start-up).
 * @module
 */
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './log.ts';

/** Installs the SIGUSR2 toggle. */
export function profileOnSignal(dir: string, log: Logger): void {
  let session: Session | undefined;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 500 });
        await session.post('Profiler.start');
        log.info('cpu profile started');
        return;
      }
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      const file = join(dir, `rtcroom-${Date.now()}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      log.info('cpu profile written', { file });
    })().catch((err: unknown) => log.error('cpu profile failed', { err }));
  });
}
