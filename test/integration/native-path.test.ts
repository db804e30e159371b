// The media plane on both send paths, end to end: `rtcroom serve --native on` (the native module:
// pre-keyed OpenSSL SRTP, sendmmsg batches; here in single-port mode, where every subscriber's
// packets share one socket) and `--native off` (Node's ciphers, one dgram send per packet). One
// headless werift publisher, three headless werift subscribers: each subscriber must receive the
// publisher's audio and video (counted from the packet headers), and the packets werift decrypts
// (one in ten: it authenticates them) must carry the publisher's stamp intact. The startup log
// and /healthz name the path; on the native path /healthz shows datagrams leaving in batches and
// the publisher's media taken below werift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadlessPublisher, HeadlessSubscriber, type JoinSpec } from '../../bench/lib/headless-client.ts';
import { BENCH_APP, benchToken, freeUdpPort, startServerProcess } from '../../bench/lib/server-process.ts';
import { readStamp } from '../../bench/lib/target.ts';

const SUBSCRIBERS = 3;
const WINDOW_MS = 3000;
const VIDEO = { fps: 15, packetsPerFrame: 2 };
/** Per subscriber and kind in the window: at least half of what was sent (audio 50/s, video 30/s). */
const MIN_PACKETS = { audio: (50 * WINDOW_MS) / 1000 / 2, video: (VIDEO.fps * VIDEO.packetsPerFrame * WINDOW_MS) / 1000 / 2 };
/** Decrypted (and authenticated) by werift per subscriber and kind in the window: one in ten arrive there. */
const MIN_DECRYPTED = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SendPathHealth {
  path: string;
  reason?: string;
  sends?: { queued: number; sent: number; syscalls: number; dropped: number };
  receivedNatively?: number;
  expressLane?: { audio: number; video: number };
}

for (const mode of ['on', 'off'] as const) {
  test(`--native ${mode}: a publisher's audio and video reach every subscriber intact on the ${mode === 'on' ? 'native' : 'JavaScript'} send path`, async () => {
    const log: string[] = [];
    const args = ['--native', mode, '--log-level', 'info', ...(mode === 'on' ? ['--rtc-port', String(await freeUdpPort())] : [])];
    const server = await startServerProcess(args, [], { pin: false, onStderr: (d) => log.push(d.toString()) });
    const clients: (HeadlessPublisher | HeadlessSubscriber)[] = [];
    try {
      const roomId = `native-${mode}`;
      const spec = (userId: string): JoinSpec => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId) });
      const pub = await HeadlessPublisher.join(spec('pub'));
      clients.push(pub);
      const subs: HeadlessSubscriber[] = [];
      for (let i = 0; i < SUBSCRIBERS; i++) subs.push(await HeadlessSubscriber.join(spec(`sub${i}`)));
      clients.push(...subs);
      const decrypted = subs.map(() => ({ audio: 0, video: 0, badStamp: 0 }));
      subs.forEach((s, i) => {
        s.onRtp = (kind, p) => {
          const stamp = readStamp(p);
          // the publisher (this process) stamps each payload with performance.now(): a damaged payload reads as garbage
          if (stamp > 0 && performance.now() - stamp < 60_000 && performance.now() >= stamp) decrypted[i]![kind]++;
          else decrypted[i]!.badStamp++;
        };
      });
      pub.start(VIDEO.fps, VIDEO.packetsPerFrame);
      // media flowing to everyone, then a clean window
      const end = Date.now() + 20_000;
      while (subs.some((s) => s.packets.audio === 0 || s.packets.video === 0) && Date.now() < end) await sleep(200);
      const before = subs.map((s) => ({ ...s.packets }));
      const decryptedBefore = decrypted.map((d) => ({ ...d }));
      await sleep(WINDOW_MS);
      const short: string[] = [];
      subs.forEach((s, i) => {
        for (const kind of ['audio', 'video'] as const) {
          const got = s.packets[kind] - before[i]![kind];
          const ok = decrypted[i]![kind] - decryptedBefore[i]![kind];
          if (got < MIN_PACKETS[kind]) short.push(`sub${i} ${kind}: ${got} packets`);
          if (ok < MIN_DECRYPTED) short.push(`sub${i} ${kind}: ${ok} decrypted`);
        }
        if (decrypted[i]!.badStamp > 0) short.push(`sub${i}: ${decrypted[i]!.badStamp} decrypted packets with a damaged payload`);
      });
      console.log(`# --native ${mode}: sub0 ${JSON.stringify(subs[0]!.packets)}, decrypted ${JSON.stringify(decrypted[0])}`);
      assert.deepEqual(short, [], `subscribers short of media (minimum audio ${MIN_PACKETS.audio}, video ${MIN_PACKETS.video}, decrypted ${MIN_DECRYPTED} each in ${WINDOW_MS} ms)`);

      const health = (await server.health()) as unknown as { media: { sendPath: SendPathHealth } };
      const send = health.media.sendPath;
      const started = log.join('').split('\n').find((l) => l.includes('"msg":"media send path"'));
      assert.ok(started, 'the startup log names the send path');
      if (mode === 'on') {
        assert.equal(send.path, 'native');
        assert.equal(JSON.parse(started).path, 'native');
        const s = send.sends!;
        assert.ok(s.sent > 0 && s.sent <= s.queued, JSON.stringify(s));
        // one subscriber's packet never travels alone here: three subscribers on one socket
        assert.ok(s.syscalls < s.sent, `batches: ${JSON.stringify(s)}`);
        // the publisher's media was taken below werift: decrypted on the module, routed by us
        // (werift routes each stream's first packets), and arrived intact above
        const published = pub.sent.audio + pub.sent.video;
        assert.ok((send.receivedNatively ?? 0) > published / 2, `taken below werift: ${send.receivedNatively} of ${published} sent`);
        // and every subscriber's audio and video rides the express lane (one native call per packet)
        assert.deepEqual(send.expressLane, { audio: subs.length, video: subs.length });
      } else {
        assert.deepEqual(send, { path: 'js', reason: 'off (--native off or RTCROOM_NATIVE=off)' });
        assert.equal(JSON.parse(started).path, 'js');
      }
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      server.stop();
    }
  });
}
