// Join → first remote frame in Chromium, and the publisher's bandwidth estimate over its first 10 s.
//   npm run bench -- first-frame [--joins 10] [--runs 3] [--preconnect false] [--rtt 50] [--viewer firefox] [--think 200]
// A publisher page (fake camera) is in the room; each viewer page (a new browser context) creates
// its context when it loads (as mini-program code does in onLoad), puts an <rtc-room> for the
// publisher on the page, then joins; the figure is joinRtcRoom called → first frame painted
// (requestVideoFrameCallback). With `--preconnect false` the viewers' signaling sockets open at
// the join instead of at the context's creation. The server runs in its own process on core 0.
// With `--rtt N` (ms) the server, the publisher's browser and the viewers' browser each run in a
// network namespace of their own (test/helpers/netns.ts), and every packet in and out of the
// viewers' namespace waits N/2 ms (nfq-delay): a viewer N ms away from the server, as on a real
// network, where each round trip of the join costs N ms. Nothing is pinned then. With
// `--viewer firefox` the viewers are Firefox ESR pages (the publisher stays in Chromium), on loopback.
// By default a viewer joins the moment its context exists, while the fresh page still lays out,
// paints and opens its socket; with `--think N` it joins N ms later, as a page whose user taps
// "join" (or whose app fetched a token first) does.
import { parseArgs } from 'node:util';
import { benchToken } from './lib/server-process.ts';
import { firefoxViewers, onLoopback, spread } from './lib/join-layout.ts';
import { percentile, printTable, writeResult } from './report.ts';

/**
 * A page script noting when each step of a join happens (performance.now(), ms) in `window.tl`:
 * the signaling socket opening, each media connection's offer, answer, ICE and DTLS states, and
 * its first remote track. The name of a step is noted once per connection (the first time).
 */
const TIMELINE = (): void => {
  const tl: Record<string, number> = {};
  const note = (step: string): void => {
    tl[step] ??= performance.now();
  };
  Object.assign(window, { tl });
  const NativeWs = window.WebSocket;
  window.WebSocket = class extends NativeWs {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      note('ws created');
      this.addEventListener('open', () => note('ws open'));
      // server events by name (the offer's arrival), requests by method (the answer's departure)
      this.addEventListener('message', (ev) => {
        const name = /"event":"([A-Za-z]+)"/.exec(String(ev.data))?.[1];
        if (name) note(`ws got ${name}`);
        else if (String(ev.data).includes('"roomId"')) note('ws got the join result');
      });
    }
    override send(data: Parameters<WebSocket['send']>[0]): void {
      const method = typeof data === 'string' ? /"method":"([A-Za-z]+)"/.exec(data)?.[1] : undefined;
      if (method) note(`ws sent ${method}`);
      super.send(data);
    }
  } as typeof WebSocket;
  let pcs = 0;
  const NativePc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePc {
    constructor(config?: RTCConfiguration) {
      note(`pc${pcs} constructing${config?.certificates ? ' (certificate ready)' : ''}`);
      super(config);
      const id = `pc${pcs++}`;
      note(`${id} created`);
      this.addEventListener('iceconnectionstatechange', () => note(`${id} ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => note(`${id} ${this.connectionState}`));
      this.addEventListener('track', () => note(`${id} track`));
      this.addEventListener('icegatheringstatechange', () => note(`${id} gathering ${this.iceGatheringState}`));
      const srd = this.setRemoteDescription.bind(this);
      this.setRemoteDescription = async (d: RTCSessionDescriptionInit) => {
        note(`${id} remote ${d.type}`);
        await srd(d);
        note(`${id} remote ${d.type} set`);
      };
      const ca = this.createAnswer.bind(this);
      this.createAnswer = (async (o?: RTCAnswerOptions) => {
        const a = await ca(o);
        note(`${id} answer created`);
        return a;
      }) as typeof this.createAnswer;
      const sld = this.setLocalDescription.bind(this);
      this.setLocalDescription = async (d?: RTCLocalSessionDescriptionInit) => {
        await sld(d);
        note(`${id} local ${this.localDescription?.type}`);
      };
    }
  } as typeof RTCPeerConnection;
};

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      joins: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      preconnect: { type: 'string', default: 'true' },
      rtt: { type: 'string', default: '0' },
      think: { type: 'string', default: '0' },
      viewer: { type: 'string', default: 'chromium' },
    },
  });
  if (values.viewer !== 'chromium' && values.viewer !== 'firefox') throw new Error(`--viewer chromium or firefox, not ${values.viewer}`);
  const firefox = values.viewer === 'firefox';
  if (firefox && Number(values.rtt) > 0) throw new Error('--viewer firefox runs on loopback only (no --rtt)');
  const rtt = Math.min(1000, Math.max(0, Number(values.rtt) || 0));
  const thinkMs = Math.min(10_000, Math.max(0, Number(values.think) || 0));
  // false: the viewers' contexts open their signaling socket at the join, not when created
  const preconnect = values.preconnect !== 'false';
  const joins = Math.min(100, Math.max(1, Number(values.joins)));
  const runs = Math.min(10, Math.max(1, Number(values.runs)));
  const net = firefox ? await firefoxViewers() : rtt > 0 ? await spread(rtt) : await onLoopback();
  try {
    const pub = await net.openPublisher(TIMELINE);
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
          // every simulcast layer's stream
          if (r.type === 'outbound-rtp' && r.kind === 'video') {
            bytes += r.bytesSent;
            fps = Math.max(fps, r.framesPerSecond ?? 0);
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
    // per join: each step's time after joinRtcRoom was called (ms)
    const steps: Record<string, number>[] = [];
    // which run each latency belongs to (runs are series of joins one after another)
    const runOf: number[] = [];
    for (let i = 0; i < joins * runs; i++) {
      runOf.push(Math.floor(i / joins));
      const viewer = await net.openViewer(TIMELINE, preconnect);
      const ms = await viewer.evaluate(async ({ token, thinkMs }: { token: string; thinkMs: number }) => {
        // the page's user reading it (or the app fetching its token) before the join
        if (thinkMs > 0) await new Promise((r) => setTimeout(r, thinkMs));
        const el = document.createElement('rtc-room');
        el.setAttribute('user-id', 'pub');
        el.setAttribute('mode', 'video');
        document.body.append(el);
        const video = (el as unknown as { videoElement: HTMLVideoElement }).videoElement;
        const t0 = performance.now();
        const tl = (window as unknown as { tl: Record<string, number> }).tl;
        const painted = new Promise<number>((resolve) => {
          const wait = (): void => {
            if (video.srcObject)
              video.requestVideoFrameCallback((now, meta) => {
                // the first frame's last packet arrived at receiveTime (WebRTC sources)
                const m = meta as VideoFrameCallbackMetadata & { receiveTime?: number };
                if (m.receiveTime) tl['first frame received'] = m.receiveTime;
                tl['first frame painted'] = performance.now();
                resolve(performance.now());
              });
            else setTimeout(wait, 2);
          };
          wait();
        });
        const joining = (window as any).ctx.joinRtcRoom({ roomId: 'ff', userId: 'viewer', token });
        await joining;
        tl['join resolved'] = performance.now();
        const done = await painted;
        const rel: Record<string, number> = {};
        for (const [k, v] of Object.entries(tl)) if (v >= t0) rel[k] = v - t0;
        return { ms: done - t0, rel };
      }, { token: benchToken('ff', 'viewer'), thinkMs });
      latencies.push(ms.ms);
      steps.push(ms.rel);
      await viewer.close();
      await new Promise((r) => setTimeout(r, 300));
    }
    console.log(`publisher's first 10 s (availableOutgoingBitrate and sent video bitrate); ${net.where}`);
    printTable(samples.filter((_, i) => i % 2 === 1).map((s) => ({ 't s': s.t, 'estimate kbps': s.estimateKbps, 'sent kbps': s.sentKbps, fps: s.fps, limitation: s.limitation })));
    // each step's median across the joins, in the order they happen
    const names = [...new Set(steps.flatMap((s) => Object.keys(s)))];
    const breakdown = names
      .map((step) => ({ step, 'p50 ms': percentile(steps.flatMap((s) => (s[step] === undefined ? [] : [s[step]!])), 50), joins: steps.filter((s) => s[step] !== undefined).length }))
      .sort((a, b) => a['p50 ms'] - b['p50 ms']);
    console.log('\nwhere the time goes: each step after joinRtcRoom was called (median over the joins)');
    printTable(breakdown);
    const summary = (label: string, xs: number[]) => ({ run: label, joins: xs.length, 'p50 ms': percentile(xs, 50), 'p90 ms': percentile(xs, 90), 'min ms': Math.min(...xs), 'max ms': Math.max(...xs) });
    const perRun = Array.from({ length: runs }, (_, r) => summary(String(r + 1), latencies.filter((_, i) => runOf[i] === r)));
    const p50s = perRun.map((r) => r['p50 ms']);
    const rows = [...perRun, summary('all', latencies)];
    console.log(`\njoinRtcRoom → first remote frame painted in ${values.viewer}, preconnect ${preconnect}, ${thinkMs > 0 ? `joining ${thinkMs} ms after the page loaded, ` : ''}${rtt > 0 ? `the viewer ${rtt} ms from the server` : 'loopback'} (${runs} runs of ${joins} joins; spread of the runs' p50: ${Math.min(...p50s).toFixed(0)}–${Math.max(...p50s).toFixed(0)} ms)`);
    printTable(rows);
    console.log(`wrote ${writeResult('first-frame', { pinned: net.where, viewer: values.viewer, preconnect, rttMs: rtt, thinkMs, samples, latencies, rows, breakdown, steps })}`);
  } finally {
    await net.close();
  }
}
