// Join → first remote frame in Chromium, and the publisher's bandwidth estimate over its first 10 s.
//   npm run bench -- first-frame [--joins 20]
// A publisher page (fake camera) is in the room; each viewer page (a new browser context) puts an
// <rtc-room> for it on the page, then joins; the figure is joinRtcRoom called → first frame painted
// (requestVideoFrameCallback). The server runs in its own process on core 0.
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/helpers/browser.ts';
import { BENCH_APP, benchToken, startServerProcess } from './lib/server-process.ts';
import { percentile, printTable, writeResult } from './report.ts';

async function sdkPage(browser: Awaited<ReturnType<typeof launchBrowser>>['browser'], url: string): Promise<Page> {
  const ctx = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await ctx.newPage();
  await page.goto(`${url}/`);
  await page.evaluate(async (appId) => {
    const src = '/sdk/rtcroom.js';
    const sdk = await import(src);
    Object.assign(window, { ctx: sdk.createRtcRoomContext({ appId }) });
  }, BENCH_APP.appId);
  return page;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { joins: { type: 'string', default: '20' } } });
  const joins = Math.min(100, Math.max(1, Number(values.joins)));
  const server = await startServerProcess();
  const tb = await launchBrowser();
  try {
    const pub = await sdkPage(tb.browser, server.url);
    await pub.evaluate(async (token) => {
      const ctx = (window as any).ctx;
      await ctx.changeAudioCapture({ state: 1 });
      await ctx.changeVideoCapture({ state: 1 });
      await ctx.joinRtcRoom({ roomId: 'ff', userId: 'pub', token });
    }, benchToken('ff', 'pub'));
    // the publisher's first 10 s: estimate and sent bitrate every 500 ms
    const samples = await pub.evaluate(async () => {
      const out: { t: number; estimateKbps: number; sentKbps: number; fps: number; limitation: string }[] = [];
      let lastBytes = 0;
      let lastT = performance.now();
      const start = lastT;
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const s = await (window as any).ctx.getStats();
        let est = 0;
        let bytes = 0;
        let fps = 0;
        let lim = '';
        s.publisher?.forEach((r: any) => {
          if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) est = r.availableOutgoingBitrate;
          if (r.type === 'outbound-rtp' && r.kind === 'video') {
            bytes = r.bytesSent;
            fps = r.framesPerSecond ?? 0;
            lim = r.qualityLimitationReason ?? '';
          }
        });
        const now = performance.now();
        out.push({ t: (now - start) / 1000, estimateKbps: est / 1000, sentKbps: ((bytes - lastBytes) * 8) / (now - lastT), fps, limitation: lim });
        lastBytes = bytes;
        lastT = now;
      }
      return out;
    });
    const latencies: number[] = [];
    for (let i = 0; i < joins; i++) {
      const viewer = await sdkPage(tb.browser, server.url);
      const ms = await viewer.evaluate(async (token) => {
        const el = document.createElement('rtc-room');
        el.setAttribute('user-id', 'pub');
        el.setAttribute('mode', 'video');
        document.body.append(el);
        const video = (el as unknown as { videoElement: HTMLVideoElement }).videoElement;
        const t0 = performance.now();
        const painted = new Promise<number>((resolve) => {
          const wait = (): void => {
            if (video.srcObject) video.requestVideoFrameCallback(() => resolve(performance.now()));
            else setTimeout(wait, 2);
          };
          wait();
        });
        await (window as any).ctx.joinRtcRoom({ roomId: 'ff', userId: 'viewer', token });
        return (await painted) - t0;
      }, benchToken('ff', 'viewer'));
      latencies.push(ms);
      await viewer.context().close();
      await new Promise((r) => setTimeout(r, 300));
    }
    console.log(`publisher's first 10 s (availableOutgoingBitrate and sent video bitrate); ${server.pinned}`);
    printTable(samples.filter((_, i) => i % 2 === 1).map((s) => ({ 't s': s.t, 'estimate kbps': s.estimateKbps, 'sent kbps': s.sentKbps, fps: s.fps, limitation: s.limitation })));
    const rows = [{ joins, 'p50 ms': percentile(latencies, 50), 'p90 ms': percentile(latencies, 90), 'min ms': Math.min(...latencies), 'max ms': Math.max(...latencies) }];
    console.log('\njoinRtcRoom → first remote frame painted');
    printTable(rows);
    console.log(`wrote ${writeResult('first-frame', { pinned: server.pinned, samples, latencies, rows })}`);
  } finally {
    await tb.close();
    server.stop();
  }
}
