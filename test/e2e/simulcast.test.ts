// Simulcast and adaptive stream in real Chromium: alice publishes her (fake) 640×360 camera as
// two layers; each viewer gets the layer its tile shows, and a hidden tile gets no video.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { APP, mintToken } from '../helpers/server.ts';
import { serverAndBrowser } from '../helpers/fixture.ts';
import { openSdkPage, showTile, until, waitList } from '../helpers/sdk-page.ts';

/** The subscriber's view of alice's camera: decoded size, frames, packets, PLIs sent. */
function received(page: Page): Promise<{ width: number; frames: number; packets: number; plis: number }> {
  return page.evaluate(async () => {
    const s = await (window as any).ctx.getStats();
    const r = { width: 0, frames: 0, packets: 0, plis: 0 };
    s.subscriber?.forEach((x: { type: string; kind?: string; frameWidth?: number; framesDecoded?: number; packetsReceived?: number; pliCount?: number }) => {
      if (x.type !== 'inbound-rtp' || x.kind !== 'video') return;
      r.width = x.frameWidth ?? 0;
      r.frames += x.framesDecoded ?? 0;
      r.packets += x.packetsReceived ?? 0;
      r.plis += x.pliCount ?? 0;
    });
    return r;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulcast and adaptive stream (Chromium)', () => {
  const f = serverAndBrowser();

  test('a 160×90 tile gets the 320-wide layer, a 640×360 tile the 640-wide one; a hidden tile stops within 1 s and comes back', async () => {
    const pages: Page[] = [];
    try {
      const open = async (): Promise<Page> => {
        const p = await openSdkPage(f.tb, f.server.url, APP.appId);
        pages.push(p);
        return p;
      };
      const [alice, small, big] = [await open(), await open(), await open()];
      await alice.evaluate(async (token) => {
        const ctx = (window as any).ctx;
        await ctx.changeVideoCapture({ state: 1 });
        await ctx.joinRtcRoom({ roomId: 'sim', userId: 'alice', token });
      }, mintToken('sim', 'alice'));
      for (const [p, id] of [[small, 'small'], [big, 'big']] as const) {
        await showTile(p, 'alice', id === 'small' ? 160 : 640, id === 'small' ? 90 : 360);
        await p.evaluate(({ id, token }) => (window as any).ctx.joinRtcRoom({ roomId: 'sim', userId: id, token }), { id, token: mintToken('sim', id) });
      }
      await waitList(big, 'onRtcVideoMembersChanged', ['alice']);
      // the publisher sends two layers
      const layers = await until(
        () =>
          alice.evaluate(async () => {
            const s = await (window as any).ctx.getStats();
            const out: Record<string, number> = {};
            s.publisher?.forEach((x: { type: string; kind?: string; rid?: string; frameWidth?: number }) => {
              if (x.type === 'outbound-rtp' && x.kind === 'video' && x.rid && x.frameWidth) out[x.rid] = x.frameWidth;
            });
            return Object.keys(out).length === 2 ? out : undefined;
          }),
        'two layers sent',
        15_000,
      );
      assert.deepEqual(layers, { q: 320, h: 640 });
      await until(async () => (await received(big)).width === 640, 'the big tile at 640 wide', 15_000);
      await until(async () => {
        const r = await received(small);
        return r.width > 0 && r.width <= 320 ? r : undefined;
      }, 'the small tile at ≤ 320 wide', 15_000);
      // the small tile stays small while the big one stays big
      await sleep(2000);
      assert.equal((await received(small)).width, 320);
      assert.equal((await received(big)).width, 640);

      // hiding the small tile stops its video within 1 s; the big one keeps going
      await small.evaluate(() => ((document.getElementById('alice') as HTMLElement).style.display = 'none'));
      const hiddenAt = performance.now();
      let last = (await received(small)).packets;
      let stoppedMs = -1;
      for (let i = 0; i < 40 && stoppedMs < 0; i++) {
        await sleep(100);
        const now = (await received(small)).packets;
        // no packet for 300 ms: paused (packets in flight are counted before that)
        if (now === last) {
          await sleep(300);
          if ((await received(small)).packets === now) stoppedMs = performance.now() - hiddenAt - 300;
        }
        last = now;
      }
      console.log(`# hidden tile: video stopped ${Math.round(stoppedMs)} ms after it was hidden`);
      assert.ok(stoppedMs >= 0 && stoppedMs < 1000, `stopped after ${Math.round(stoppedMs)} ms`);
      const bigBefore = (await received(big)).frames;
      await sleep(1000);
      assert.ok((await received(big)).frames > bigBefore + 10, 'the big tile kept playing');

      // shown again: frames come back
      const before = await received(small);
      await showTile(small, 'alice', 160, 90);
      await until(async () => (await received(small)).frames > before.frames + 10, 'the small tile playing again', 10_000);
      const plis = (await received(small)).plis + (await received(big)).plis;
      console.log(`# simulcast: PLIs sent by both viewers over the test: ${plis}`);
      assert.ok(plis < 20, `${plis} PLIs: no keyframe storm`);

      // dynacast: with the big tile hidden nobody can use the 640 layer, and alice stops sending it
      const sentH = () =>
        alice.evaluate(async () => {
          const s = await (window as any).ctx.getStats();
          let bytes = 0;
          s.publisher?.forEach((x: { type: string; rid?: string; bytesSent?: number }) => {
            if (x.type === 'outbound-rtp' && x.rid === 'h') bytes = x.bytesSent ?? 0;
          });
          return bytes;
        });
      await big.evaluate(() => ((document.getElementById('alice') as HTMLElement).style.display = 'none'));
      await until(
        async () => {
          const a = await sentH();
          await sleep(1000);
          return (await sentH()) === a;
        },
        'alice to stop sending the 640 layer',
        15_000,
      );
      const q0 = await received(small);
      await sleep(1000);
      assert.ok((await received(small)).frames > q0.frames + 5, 'the small tile still plays');
      await showTile(big, 'alice', 640, 360);
      await until(async () => (await received(big)).width === 640, 'the 640 layer back for the big tile', 15_000);
    } finally {
      for (const p of pages) await p.context().close().catch(() => undefined);
    }
  });
});
