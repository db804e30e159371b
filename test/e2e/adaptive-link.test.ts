// Downlink congestion control on a real capped link: the server in one namespace, alice
// (publishing her camera as two simulcast layers, and a second viewer, carol, in the same
// uncapped browser) and bob (watching) each on their own veth link; bob's link gets a token
// bucket (`tc tbf`). Bob's video must step down to the small layer within 5 s without a long
// freeze, come back to the top layer when the cap is lifted, and pause (audio going on, the app
// told) on a link too thin for any video. Carol must not notice. Figures are printed (`# …`).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { benchToken } from '../../bench/lib/server-process.ts';
import { until } from '../helpers/sdk-page.ts';
import { logOf } from '../helpers/origin-page.ts';
import { namespacedCall } from '../helpers/netns-call.ts';
import { noiseY4m } from '../helpers/y4m.ts';
import { joinPublishing, joinWatching, viewerStats as stats, watchViewer as watch } from '../helpers/viewer-stats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
describe('adaptive downlink (namespaces, tc tbf)', () => {
  // a camera scene that needs its bitrate (the built-in fake pattern's top layer fits in 300 kbps)
  const env = namespacedCall({ args: { alice: [`--use-file-for-fake-video-capture=${noiseY4m()}`] } });

  test('a viewer capped at 300 kbps steps down within 5 s, back up within 15 s of the cap lifting; at 64 kbps video pauses (the app told) and audio goes on, also at 40 kbps for 33 s', async () => {
    const pages: Page[] = [];
    try {
      const open = async (who: 'alice' | 'bob'): Promise<Page> => {
        const p = await env.open(who);
        pages.push(p);
        return p;
      };
      const alice = await open('alice');
      const carol = await open('alice');
      const bob = await open('bob');
      await joinPublishing(alice, 'adapt', 'alice', benchToken('adapt', 'alice'));
      // this test is about bob's downlink: alice's encoder, short of CPU on this two-core machine
      // (three pages and the server), must drop frames rather than shrink the top layer
      const kept = await alice.evaluate(async () => {
        const out: string[] = [];
        for (const pc of (window as unknown as { pcs: RTCPeerConnection[] }).pcs) {
          for (const s of pc.getSenders()) {
            if (s.track?.kind !== 'video') continue;
            const p = s.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
            p.degradationPreference = 'maintain-resolution';
            await s.setParameters(p);
            out.push(String((s.getParameters() as { degradationPreference?: string }).degradationPreference));
          }
        }
        return out;
      });
      assert.deepEqual(kept, ['maintain-resolution']);
      for (const [p, id] of [[bob, 'bob'], [carol, 'carol']] as const) await joinWatching(p, 'adapt', id, benchToken('adapt', id), 'alice', 640, 360);
      for (const p of [bob, carol]) await until(async () => (await stats(p)).width === 640, 'the top layer', 20_000);
      await sleep(2000);

      env.topo.cap('bob', 300);
      const [capped, carolCapped] = await Promise.all([watch(bob, 8000, (w) => w > 0 && w <= 320), watch(carol, 8000, (w) => w === 640)]);
      console.log(
        `# 300 kbps cap: bob at ≤ 320 wide after ${capped.reachedMs} ms, longest freeze ${capped.longestFreezeMs} ms; ` +
          `carol meanwhile at ${carolCapped.width}, longest freeze ${carolCapped.longestFreezeMs} ms`,
      );
      assert.ok(capped.reachedMs >= 0 && capped.reachedMs < 5000, `stepped down after ${capped.reachedMs} ms`);
      // the 500 ms goal is out of reach on this link (see BENCHMARKS.md "Adaptive downlink"): after
      // a sudden 3× drop the link must first carry what its queue holds of the top layer, then the
      // small layer's keyframe (~650 ms at best here; 520–1160 ms measured, up to 2 s before the
      // queue detector): 2 s leaves room for alice's encoder, starved on two cores, to drop frames
      assert.ok(capped.longestFreezeMs < 2000, `longest freeze ${capped.longestFreezeMs} ms`);
      // carol's link is not capped: she keeps playing, on the top layer whenever alice sends it
      // (alice's encoder, starved on this two-core machine, sometimes drops it for a moment)
      assert.ok(carolCapped.longestFreezeMs < 3000, `carol froze for ${carolCapped.longestFreezeMs} ms`);
      await until(async () => (await stats(carol)).width === 640, 'carol on the top layer', 10_000);

      env.topo.cap('bob', null);
      const lifted = await watch(bob, 20_000, (w) => w === 640);
      console.log(`# cap lifted: bob back at 640 wide after ${lifted.reachedMs} ms, longest freeze ${lifted.longestFreezeMs} ms`);
      assert.ok(lifted.reachedMs >= 0 && lifted.reachedMs < 15_000, `back up after ${lifted.reachedMs} ms`);

      // a link that carries the audio (~56 kbps on the wire: 50 packets/s of ~140 bytes) and no
      // video layer: video pauses, audio goes on, and the app is told
      const mark = (await logOf(bob)).length;
      env.topo.cap('bob', 64);
      await until(
        async () => (await logOf(bob)).slice(mark).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21956),
        'the app told video is paused (21956)',
        30_000,
      );
      const flow = async (what: string) => {
        const a = await stats(bob);
        await sleep(3000);
        const b = await stats(bob);
        console.log(`# ${what}: in 3 s bob received ${b.audio - a.audio} audio and ${b.video - a.video} video packets`);
        assert.ok(b.audio - a.audio > 50, `${what}: audio flows`);
        assert.ok(b.video - a.video < 15, `${what}: video paused`);
      };
      await sleep(2000);
      await flow('64 kbps cap');
      // a link thinner than the audio stream itself: the tbf drops ~30% of what is sent, the
      // signaling connection (TCP) starves and reconnects, and the queue holds ~0.6 s, which late
      // answers to ICE consent checks must survive (consent expires 30 s after the last answer):
      // 33 s in, the call is still on its first subscriber connection and audio still flows
      const connections = () => bob.evaluate(() => (window as unknown as { pcs: RTCPeerConnection[] }).pcs.length);
      // on a failure: what bob's app saw since the 64 kbps cap (signaling reconnects, states, an
      // interruption and its payload; not the speaker lists), for the record
      const recorded = async <T>(step: Promise<T>): Promise<T> => {
        try {
          return await step;
        } catch (e) {
          const seen = (await logOf(bob)).slice(mark).filter((x) => x.ev !== 'onRtcActiveSpeakersChanged').map((x) => `${x.ev}${x.p?.errNo ? ` ${x.p.errNo}` : ''}${x.ev === 'onRtcChatInterrupted' ? ` ${JSON.stringify(x.p)}` : ''}`);
          console.log(`# bob's events since the 64 kbps cap: ${seen.join(', ')}; ${await connections()} subscriber connections; ${JSON.stringify(await stats(bob))}`);
          throw e;
        }
      };
      const pcs = await connections();
      env.topo.cap('bob', 40);
      await sleep(30_000);
      await recorded(flow('40 kbps cap, 30–33 s into it'));
      assert.equal(await connections(), pcs, 'the subscriber connection was not replaced');
      env.topo.cap('bob', null);
      const lifted40 = performance.now();
      await recorded(until(async () => (await logOf(bob)).slice(mark).some((e) => e.ev === 'onRtcStateChanged' && e.p.errNo === 21957), 'video resumed (21957)', 20_000));
      console.log(`# 40 kbps cap lifted: video resumed (21957) after ${Math.round(performance.now() - lifted40)} ms`);
      const f0 = (await stats(bob)).frames;
      await until(async () => (await stats(bob)).frames > f0 + 10, 'bob decoding again', 10_000);
    } finally {
      env.topo.cap('bob', null);
      for (const p of pages) await p.context().close().catch(() => undefined);
    }
  });
});
