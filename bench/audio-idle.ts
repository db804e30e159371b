// The fixed cost of an audio room's listeners: N lean listeners connected (ICE, DTLS, signaling,
// subscribed to 10 talkers) while the talkers send nothing, and what the server and the load
// generator spend per second on them (timers, consent checks, RTCP, pings) before any forwarding.
//   npm run bench -- audio-idle [--listeners 300,1000] [--seconds 20] [--profile-dir DIR]
// With --profile-dir, the server writes a CPU and an allocation profile of each window there.
import { parseArgs } from 'node:util';
import { measureGenerator } from './lib/generator-load.ts';
import type { LeanListener } from './lib/lean-listener.ts';
import { rtcroomTarget } from './lib/rtcroom-target.ts';
import type { SubscriberClient } from './lib/target.ts';
import { printTable, writeResult } from './report.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Entry used by bench/run.ts. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { listeners: { type: 'string', default: '300,1000' }, seconds: { type: 'string', default: '20' }, 'profile-dir': { type: 'string' } } });
  const profileDir = values['profile-dir'];
  const seconds = Math.min(120, Math.max(5, Number(values.seconds)));
  // the server's default audio selection; no memory reclaim, whose one-off GC after the joins would land in the window
  const serverArgs = ['--audio-selection-above', '20', '--audio-speakers', '3', '--no-memory-reclaim'];
  const rows: Record<string, string | number>[] = [];
  for (const n of values.listeners.split(',').map(Number).filter((x) => Number.isInteger(x) && x >= 1 && x <= 2000)) {
    const target = await rtcroomTarget([], [...serverArgs, ...(profileDir ? ['--profile-dir', profileDir] : [])]);
    const room = `idle_${n}_${Date.now() % 100000}`;
    const talkers = [];
    const subs: SubscriberClient[] = [];
    try {
      for (let i = 0; i < 10; i++) talkers.push(await target.audioPublisher(room, `t${i}`));
      for (let i = 0; i < n; i += 8) subs.push(...(await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => target.leanSubscriber(room, `l${i + k}`)))));
      const t0 = performance.now();
      const connected = () => subs.filter((s) => (s as LeanListener).tapped).length;
      while (connected() < n && performance.now() - t0 < 120_000) await sleep(500);
      // the last handshakes' work settles
      await sleep(5000);
      const cpu0 = target.cpuSeconds();
      const w0 = performance.now();
      const generator = measureGenerator();
      if (profileDir) target.server.signal('SIGUSR2');
      await sleep(seconds * 1000);
      if (profileDir) target.server.signal('SIGUSR2');
      const g = generator();
      const dt = (performance.now() - w0) / 1000;
      const health = await target.server.health();
      rows.push({
        listeners: n,
        connected: `${connected()}/${n}`,
        consumers: health.media.consumers,
        'server CPU %': ((target.cpuSeconds() - cpu0) / dt) * 100,
        'server µs / listener / s': (((target.cpuSeconds() - cpu0) / dt) * 1e6) / n,
        'RSS MB': target.rssBytes() / 1e6,
        'gen CPU %': g.cpuPercent,
        'gen core idle %': g.coreIdlePercent,
        'gen loop p99 ms': g.loopDelayP99Ms,
      });
    } finally {
      await Promise.all(talkers.map((p) => p.close()));
      await Promise.all(subs.map((s) => s.close()));
      await target.stop();
      await sleep(1500);
    }
  }
  console.log(`audio-idle: N lean listeners connected to 10 silent talkers, ${seconds} s window; server ${serverArgs.join(' ')}; server on core 0, generator on core 1`);
  printTable(rows);
  console.log(`wrote ${writeResult('audio-idle', { seconds, serverArgs, rows })}`);
}
