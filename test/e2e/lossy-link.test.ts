// A viewer on a bad link, with real processes in network namespaces this test makes: the server in
// one namespace, Chromium for alice (publishing a fake camera) and Chromium for bob (watching her)
// each in its own, on its own veth link. bob's link first runs clean for 20 s, then for 20 s with
// 5% random loss each way (iptables) and every packet each way delayed 10–30 ms (uniform, so
// 20 ± 10 ms; packets may be reordered), by test/tools/nfq-delay.c on an NFQUEUE in his namespace.
// NACK and RTX must keep bob decoding: at least 95% as many frames as in the clean window.
// Figures are printed (`# …`) for BENCHMARKS.md.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { namespacedCall } from '../helpers/netns-call.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WINDOW_MS = 20_000;
const LOSS = 0.05;
const DELAY = { minMs: 10, maxMs: 30 };

/** Counters of bob's video receiver (inbound-rtp, summed over video streams) and his link's RTT. */
interface ViewerStats {
  framesDecoded: number;
  freezeCount: number;
  totalFreezesDuration: number;
  nackCount: number;
  pliCount: number;
  packetsReceived: number;
  packetsLost: number;
  /** undefined while the browser leaves it out (Chromium does until the first RTX packet) */
  retransmittedPacketsReceived: number | undefined;
  /** ICE's last round-trip time, ms */
  rttMs: number | undefined;
}

/** bob's counters, read from the SDK's `getStats().subscriber`. */
function viewerStats(page: Page): Promise<ViewerStats> {
  return page.evaluate(async () => {
    const { subscriber } = (await (window as any).ctx.getStats()) as { subscriber?: RTCStatsReport };
    const out = {
      framesDecoded: 0,
      freezeCount: 0,
      totalFreezesDuration: 0,
      nackCount: 0,
      pliCount: 0,
      packetsReceived: 0,
      packetsLost: 0,
      retransmittedPacketsReceived: undefined as number | undefined,
      rttMs: undefined as number | undefined,
    };
    subscriber?.forEach((s: any) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        for (const k of ['framesDecoded', 'freezeCount', 'totalFreezesDuration', 'nackCount', 'pliCount', 'packetsReceived', 'packetsLost'] as const) out[k] += s[k] ?? 0;
        if (typeof s.retransmittedPacketsReceived === 'number') out.retransmittedPacketsReceived = (out.retransmittedPacketsReceived ?? 0) + s.retransmittedPacketsReceived;
      }
      if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') out.rttMs = s.currentRoundTripTime * 1000;
    });
    return out;
  });
}

/** Frames alice's video sender has sent so far (outbound-rtp, from `getStats().publisher`). */
function framesSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const { publisher } = (await (window as any).ctx.getStats()) as { publisher?: RTCStatsReport };
    let n = 0;
    publisher?.forEach((s: any) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.framesSent ?? 0;
    });
    return n;
  });
}

/** What changed over one window. */
interface Window {
  sent: number;
  viewer: ViewerStats;
}

/** Counters of alice and bob over `ms`. */
async function measure(a: Page, b: Page, ms: number): Promise<Window> {
  const [sent0, v0] = await Promise.all([framesSent(a), viewerStats(b)]);
  await sleep(ms);
  const [sent1, v1] = await Promise.all([framesSent(a), viewerStats(b)]);
  const d = (k: Exclude<keyof ViewerStats, 'retransmittedPacketsReceived' | 'rttMs'>) => v1[k] - v0[k];
  const rtx = v1.retransmittedPacketsReceived === undefined ? undefined : v1.retransmittedPacketsReceived - (v0.retransmittedPacketsReceived ?? 0);
  return {
    sent: sent1 - sent0,
    viewer: {
      framesDecoded: d('framesDecoded'),
      freezeCount: d('freezeCount'),
      totalFreezesDuration: d('totalFreezesDuration'),
      nackCount: d('nackCount'),
      pliCount: d('pliCount'),
      packetsReceived: d('packetsReceived'),
      packetsLost: d('packetsLost'),
      retransmittedPacketsReceived: rtx,
      rttMs: v1.rttMs,
    },
  };
}

describe('lossy viewer link (namespaces)', () => {
  const env = namespacedCall();

  test(`5% loss + 20 ± 10 ms delay each way on bob's link: he decodes ≥ 95% of a clean window's frames over ${WINDOW_MS / 1000} s`, async () => {
    // alice publishes as the SDK does by default (two simulcast layers, one temporal layer each);
    // LOSSY_SIMULCAST=0 measures one plain layer (figures for both in BENCHMARKS.md "Lossy viewer link")
    const { a, b } = await env.call('lossy', { simulcast: process.env.LOSSY_SIMULCAST !== '0' });
    // let alice's encoder ramp up to its steady bitrate before the clean window
    await sleep(3000);
    const modes = await a.evaluate(() =>
      (window as unknown as { pcs: RTCPeerConnection[] }).pcs.flatMap((pc) =>
        pc.getSenders().flatMap((s) => (s.track?.kind === 'video' ? s.getParameters().encodings.map((e) => `${e.rid ?? '-'}:${(e as { scalabilityMode?: string }).scalabilityMode ?? 'default'}`) : [])),
      ),
    );
    console.log(`# alice's video encodings: ${modes.join(', ')}`);

    const clean = await measure(a, b, WINDOW_MS);
    env.topo.loss('bob', LOSS);
    await env.topo.delay('bob', { ...DELAY, maxSeconds: WINDOW_MS / 1000 + 60 });
    const lossy = await measure(a, b, WINDOW_MS);
    const delayed = await env.topo.delay('bob', null);
    env.topo.loss('bob', 0);

    const ratio = lossy.viewer.framesDecoded / clean.viewer.framesDecoded;
    const line = (name: string, w: Window) => {
      const v = w.viewer;
      const rtx = v.retransmittedPacketsReceived === undefined ? 'absent (none yet)' : String(v.retransmittedPacketsReceived);
      console.log(
        `# ${name}: alice sent ${w.sent} frames, bob decoded ${v.framesDecoded}; freezes ${v.freezeCount} (${v.totalFreezesDuration.toFixed(2)} s), ` +
          `NACKs sent ${v.nackCount}, PLIs ${v.pliCount}, RTX packets received ${rtx}, packets received ${v.packetsReceived}, packetsLost ${v.packetsLost}, ` +
          `RTT ${v.rttMs === undefined ? '?' : v.rttMs.toFixed(0)} ms`,
      );
    };
    line(`clean ${WINDOW_MS / 1000} s`, clean);
    line(`lossy ${WINDOW_MS / 1000} s (${LOSS * 100}% loss + ${DELAY.minMs}–${DELAY.maxMs} ms delay each way)`, lossy);
    console.log(`# ${delayed}`);
    console.log(`# frames decoded, lossy / clean: ${lossy.viewer.framesDecoded} / ${clean.viewer.framesDecoded} = ${(ratio * 100).toFixed(1)}%`);

    assert.ok(clean.viewer.framesDecoded > (WINDOW_MS / 1000) * 10, `clean window decoded only ${clean.viewer.framesDecoded} frames`);
    assert.ok(lossy.viewer.nackCount > 0, 'bob sent NACKs on the lossy link (the loss rules were in place)');
    assert.ok(Number(/(\d+) packets delayed/.exec(delayed)?.[1] ?? 0) > 0, `the delay program held packets: ${delayed}`);
    assert.ok(ratio >= 0.95, `lossy window decoded ${(ratio * 100).toFixed(1)}% of the clean window's frames`);
    await a.context().close();
    await b.context().close();
  });
});
