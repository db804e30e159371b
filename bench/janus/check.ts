// Self-check of the Janus target (not a test): `node bench/janus/check.ts` after bench/janus/setup.sh.
// Starts Janus with its default threading and with `event_loops = 1`, one publisher and two
// subscribers each, sends for 5 s and prints what arrived.
import { janusTarget } from '../lib/janus-target.ts';
import { measureWindow } from '../lib/measure.ts';
import { EVERY_KIND } from '../lib/accounting.ts';
import { percentile } from '../report.ts';

const SECONDS = 5;

for (const eventLoops of [undefined, 1]) {
  const target = await janusTarget(eventLoops ? { eventLoops } : {});
  try {
    const pub = await target.publisher('check', 'pub');
    pub.start();
    const subs = [await target.subscriber('check', 'sub1', ['pub']), await target.subscriber('check', 'sub2', ['pub'])];
    const before = subs.map((s) => s.packets.audio + s.packets.video);
    const w = await measureWindow(target, [pub], subs, SECONDS, () => EVERY_KIND);
    console.log(`${target.name} (pid ${target.pid}, ${target.pinned})`);
    subs.forEach((s, i) => {
      const n = s.packets.audio + s.packets.video - before[i]!;
      console.log(`  sub${i + 1}: ${n} packets since joining (audio ${s.packets.audio}, video ${s.packets.video} in total), delay p50 ${percentile(s.delays.delays, 50).toFixed(2)} ms`);
    });
    console.log(`  sent ${pub.sent.audio + pub.sent.video} packets, keyframes ${pub.keyframes}`);
    console.log(
      `  window ${w.seconds.toFixed(1)} s: receiving ${w.receiving}/${w.subscribers}${w.failed ? ` (FAILED: ${w.failed})` : ''}, forwarded ${w.forwardedPps.toFixed(0)} pkt/s, loss ${w.lossPercent.toFixed(2)} %, delay p50 ${w.delayP50.toFixed(2)} ms p99 ${w.delayP99.toFixed(2)} ms, ` +
        `CPU ${w.cpuPercent.toFixed(1)} %, ${w.cpuUsPerPacket.toFixed(1)} µs/forwarded pkt, RSS ${w.rssMb.toFixed(0)} MB`,
    );
    await Promise.all([pub.close(), ...subs.map((s) => s.close())]);
  } finally {
    await target.stop();
  }
}
