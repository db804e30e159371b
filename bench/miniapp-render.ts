// Rendering speed of the mini-program runtime (packages/miniapp) in Chromium:
//   npm run bench -- miniapp-render [--items 200] [--rounds 60]
// A page lists N items (tt:for with tt:key, bindings in class, text and a switch); each round
// calls setData and times until its callback (render + keyed DOM patch), then again with the
// layout forced. Scenarios: every item changed, one item by path key, the list reversed, one item
// prepended. The budget of one frame at 60 Hz is 16.7 ms.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { MiniappSite } from '../packages/miniapp/src/compiler/site.ts';
import { CHROMIUM_ARGS } from '../test/helpers/browser.ts';

const PAGE_JS = `
const make = (n, round) => Array.from({ length: n }, (_, i) => ({ id: 'u' + i, name: 'member ' + i, score: i * 7 + round, on: (i + round) % 3 === 0 }));
Page({
  data: { items: [] },
  onLoad(q) { this.setData({ items: make(Number(q.n || 200), 0) }); },
  onTap(e) { this.setData({ picked: e.currentTarget.dataset.id }); },
});
`;
const PAGE_TTML = `
<scroll-view scroll-y class="list">
  <view class="row {{item.on ? 'on' : ''}}" tt:for="{{items}}" tt:key="id" data-id="{{item.id}}" bindtap="onTap">
    <text class="name">{{index + 1}}. {{item.name}}</text>
    <text class="score">{{item.score > 100 ? 'hi ' + item.score : item.score}}</text>
    <switch checked="{{item.on}}" />
  </view>
</scroll-view>
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'miniapp-bench-'));
  mkdirSync(join(dir, 'pages/list'), { recursive: true });
  writeFileSync(join(dir, 'app.json'), JSON.stringify({ pages: ['pages/list/list'], window: { navigationBarTitleText: 'bench' } }));
  writeFileSync(join(dir, 'app.js'), 'App({});');
  writeFileSync(join(dir, 'pages/list/list.js'), PAGE_JS);
  writeFileSync(join(dir, 'pages/list/list.ttml'), PAGE_TTML);
  writeFileSync(join(dir, 'pages/list/list.ttss'), '.row { display: flex; justify-content: space-between; padding: 12rpx 24rpx; } .row.on { background: #fee; }');
  return dir;
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] ?? NaN;

/** Entry used by bench/run.ts. */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { items: { type: 'string', default: '200' }, rounds: { type: 'string', default: '60' } } });
  const items = Number(values.items);
  const rounds = Number(values.rounds);
  const dir = project();
  const site = new MiniappSite(dir);
  const http = createServer((req, res) => {
    void site.get(new URL(req.url ?? '/', 'http://x').pathname.slice(1)).then((f) => {
      if (!f) return void res.writeHead(404).end();
      res.writeHead(f.status, { 'content-type': f.type });
      res.end(f.body);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`http://127.0.0.1:${(http.address() as { port: number }).port}/#/pages/list/list?n=${items}`);
    await page.waitForFunction((n) => document.querySelectorAll('.row').length === n, items);
    const results = await page.evaluate(
      async ({ rounds, items }) => {
        type P = { setData(p: object, cb: () => void): void; data: { items: { id: string; name: string; score: number; on: boolean }[] } };
        const p = (window as unknown as { getCurrentPages(): P[] }).getCurrentPages()[0] as P;
        const make = (round: number) => Array.from({ length: items }, (_, i) => ({ id: `u${i}`, name: `member ${i}`, score: i * 7 + round, on: (i + round) % 3 === 0 }));
        const time = (patch: object, layout: boolean) =>
          new Promise<number>((res) => {
            const t0 = performance.now();
            p.setData(patch, () => {
              if (layout) void document.body.offsetHeight;
              res(performance.now() - t0);
            });
          });
        const scenarios: Record<string, (r: number) => object> = {
          'all items changed': (r) => ({ items: make(r + 1) }),
          'one item by path key': (r) => ({ [`items[${r % items}].score`]: r }),
          'list reversed': () => ({ items: [...p.data.items].reverse() }),
          'one item prepended': (r) => ({ items: [{ id: `n${r}`, name: 'new', score: r, on: true }, ...p.data.items.slice(0, items - 1)] }),
        };
        const out: Record<string, { script: number[]; layout: number[] }> = {};
        for (const [name, patch] of Object.entries(scenarios)) {
          const o = (out[name] = { script: [] as number[], layout: [] as number[] });
          for (let r = 0; r < rounds; r++) {
            o.script.push(await time(patch(r), false));
            await new Promise((res) => requestAnimationFrame(res));
            o.layout.push(await time(patch(r + 1000), true));
            await new Promise((res) => requestAnimationFrame(res));
          }
        }
        return out;
      },
      { rounds, items },
    );
    console.log(`miniapp-render: ${items} items, ${rounds} rounds per scenario, Chromium headless; one frame at 60 Hz = 16.7 ms`);
    console.log('scenario                  render+patch p50 / p95 / max     with layout p50 / p95 / max');
    for (const [name, r] of Object.entries(results)) {
      const f = (xs: number[]) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.95).toFixed(2)} / ${Math.max(...xs).toFixed(2)} ms`;
      console.log(`${name.padEnd(26)}${f(r.script).padEnd(33)}${f(r.layout)}`);
    }
  } finally {
    await browser.close();
    http.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
