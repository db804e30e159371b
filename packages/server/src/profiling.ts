/**
 * On-demand profiling: with `--profile-dir DIR`, the first SIGUSR2 starts the V8 CPU profiler and
 * its sampling heap profiler, and the next one writes `DIR/rtcroom-<time>.cpuprofile` and
 * `DIR/rtcroom-<time>.heapprofile` (so a benchmark can profile exactly its steady window, without
 * start-up). The heap profile samples every allocation of the window, the garbage collected
 * meanwhile included: it tells where per-packet garbage comes from (Chrome DevTools opens both).
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
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        log.info('cpu profile started');
        return;
      }
      const { profile } = await session.post('Profiler.stop');
      const { profile: heap } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      session = undefined;
      const stem = join(dir, `rtcroom-${Date.now()}`);
      // the heap profile first: a reader waiting for the .cpuprofile then finds both
      await writeFile(`${stem}.heapprofile`, JSON.stringify(heap));
      await writeFile(`${stem}.cpuprofile`, JSON.stringify(profile));
      log.info('cpu profile written', { file: `${stem}.cpuprofile`, heap: `${stem}.heapprofile` });
    })().catch((err: unknown) => log.error('cpu profile failed', { err }));
  });
}
