// Server CPU per forwarded packet: 1 headless publisher (Opus 50 pkt/s + VP8 20 fps × 3 packets)
// → N headless werift subscribers, the server in its own process.
//   npm run bench -- forward [--subs 1,10,50] [--seconds 10]
import { parseArgs } from 'node:util';
import { HeadlessPublisher, HeadlessSubscriber } from './lib/headless-client.ts';
import { BENCH_APP, benchToken, startServerProcess } from './lib/server-process.ts';
import { printTable, writeResult } from './report.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { subs: { type: 'string', default: '1,10,50' }, seconds: { type: 'string', default: '10' } } });
  const levels = values.subs.split(',').map(Number).filter((n) => n >= 1 && n <= 300);
  const seconds = Math.min(60, Math.max(2, Number(values.seconds)));
  const server = await startServerProcess();
  const rows: Record<string, string | number>[] = [];
  try {
    for (const n of levels) {
      const roomId = `fwd_${n}`;
      const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId) });
      const pub = await HeadlessPublisher.join(spec('pub'));
      const subs: HeadlessSubscriber[] = [];
      for (let i = 0; i < n; i++) subs.push(await HeadlessSubscriber.join(spec(`sub${i}`)));
      pub.start();
      // warm up until every subscriber receives video
      const deadline = Date.now() + 20_000;
      while (subs.some((s) => s.packets.video === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1000));
      const h0 = await server.health();
      const cpu0 = server.cpuSeconds();
      const recv0 = subs.reduce((a, s) => a + s.packets.audio + s.packets.video, 0);
      const sent0 = pub.sent.audio + pub.sent.video;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const dt = (performance.now() - t0) / 1000;
      const cpu = server.cpuSeconds() - cpu0;
      const h1 = await server.health();
      const recv = subs.reduce((a, s) => a + s.packets.audio + s.packets.video, 0) - recv0;
      const sent = pub.sent.audio + pub.sent.video - sent0;
      const forwarded = h1.media.forwarded - h0.media.forwarded;
      rows.push({
        subscribers: n,
        'published pkt/s': sent / dt,
        'forwarded pkt/s': forwarded / dt,
        'server CPU %': (cpu / dt) * 100,
        'CPU µs/fwd pkt': (cpu / forwarded) * 1e6,
        'loss %': Math.max(0, (1 - recv / (sent * n)) * 100),
        'RSS MB': server.rssBytes() / 1e6,
      });
      await pub.close();
      await Promise.all(subs.map((s) => s.close()));
      await new Promise((r) => setTimeout(r, 1500));
    }
  } finally {
    server.stop();
  }
  console.log(`forwarding cost, 1 publisher → N subscribers, ${seconds} s steady window; ${server.pinned}`);
  printTable(rows);
  console.log(`wrote ${writeResult('forward', { pinned: server.pinned, seconds, rows })}`);
}
