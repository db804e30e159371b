// Adaptive downlink on a capped link: real Chromium pages in network namespaces (see
// test/helpers/netns.ts). Alice publishes a camera (a noise band over a still picture, so its
// layers need their bitrate) as two simulcast layers; bob watches over a link capped with
// `tc tbf` at --cap kbps for --hold s, then uncapped for --free s, --cycles times; carol watches
// uncapped from alice's namespace as the control. Per cycle: time until bob settles on the small
// layer, his freezes (gaps ≥ 500 ms without a new frame) and their total, his received bitrate
// against the cap, and the time back to the top layer once the cap is lifted.
//   npm run bench -- adapt [--cap 300] [--cycles 3] [--hold 15] [--free 20]
// Needs root (namespaces) and Debian's chromium, as the tests do.
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { benchToken, startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { printTable, writeResult } from './report.ts';
import { makeTopology, type Topology } from '../test/helpers/netns.ts';
import { launchBrowser, type TestBrowser } from '../test/helpers/browser.ts';
import { openPage } from '../test/helpers/origin-page.ts';
import { noiseY4m } from '../test/helpers/y4m.ts';
import { joinPublishing, joinWatching, viewerStats, watchViewer } from '../test/helpers/viewer-stats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (polled every 200 ms) or throws after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { cap: { type: 'string', default: '300' }, cycles: { type: 'string', default: '3' }, hold: { type: 'string', default: '15' }, free: { type: 'string', default: '20' } },
  });
  const capKbps = Number(values.cap);
  const cycles = Math.min(10, Math.max(1, Number(values.cycles)));
  const holdMs = Number(values.hold) * 1000;
  const freeMs = Number(values.free) * 1000;
  let topo: Topology | undefined;
  let server: ServerProcess | undefined;
  const browsers: TestBrowser[] = [];
  try {
    topo = makeTopology(['alice', 'bob']);
    server = await startServerProcess(['--host', '0.0.0.0', '--rtc-ip', '0.0.0.0'], [], { pin: false, wrap: topo.wrap(topo.serverNs) });
    const port = new URL(server.url).port;
    const urlFor = (who: 'alice' | 'bob') => `http://${topo!.clients[who]!.serverIp}:${port}`;
    const browserFor = async (who: 'alice' | 'bob', extra: string[]) => {
      const b = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${urlFor(who)}`, ...extra], { executablePath: topo!.clients[who]!.chromium });
      browsers.push(b);
      return b;
    };
    const aliceBrowser = await browserFor('alice', [`--use-file-for-fake-video-capture=${noiseY4m()}`]);
    const bobBrowser = await browserFor('bob', []);
    const alice = await openPage(aliceBrowser, urlFor('alice'));
    const carol = await openPage(aliceBrowser, urlFor('alice'));
    const bob = await openPage(bobBrowser, urlFor('bob'));
    await joinPublishing(alice, 'adapt', 'alice', benchToken('adapt', 'alice'));
    for (const [p, id] of [[bob, 'bob'], [carol, 'carol']] as [Page, string][]) await joinWatching(p, 'adapt', id, benchToken('adapt', id), 'alice', 640, 360);
    for (const p of [bob, carol]) await until(async () => (await viewerStats(p)).width === 640, 'the top layer', 30_000);
    const rows: Record<string, string | number>[] = [];
    const raw: unknown[] = [];
    for (let c = 1; c <= cycles; c++) {
      topo.cap('bob', capKbps);
      const [capped, control] = await Promise.all([watchViewer(bob, holdMs, (w) => w > 0 && w <= 320), watchViewer(carol, holdMs, (w) => w === 640)]);
      topo.cap('bob', null);
      const freed = await watchViewer(bob, freeMs, (w) => w === 640);
      raw.push({ cycle: c, capped, control, freed });
      rows.push({
        cycle: c,
        'settled small (ms)': capped.settledMs,
        'bob freezes': capped.freezes,
        'bob freeze total (ms)': capped.freezeMs,
        'bob longest (ms)': capped.longestFreezeMs,
        'bob kbps / cap': `${Math.round(capped.bps / 1000)} / ${capKbps}`,
        'carol freezes': control.freezes,
        'carol longest (ms)': control.longestFreezeMs,
        'back to 640 (ms)': freed.settledMs,
        'freezes after lift': freed.freezes,
      });
    }
    printTable(rows);
    console.log(`wrote ${writeResult('adapt', { capKbps, holdMs, freeMs, cycles: raw })}`);
  } finally {
    for (const b of browsers) await b.close().catch(() => undefined);
    server?.stop();
    topo?.close();
  }
}
