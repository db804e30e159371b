// Per-member media figures in the admin API's members list, with media in the server process
// (the dashboard's end-to-end test covers media workers): a headless publisher sending about
// 570 kbit/s with one video packet in eleven missing, speaking in bursts; a subscriber receiving.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadlessPublisher, HeadlessSubscriber } from '../../bench/lib/headless-client.ts';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { until } from '../helpers/sdk-page.ts';

const KEY = 'member-stats-admin-key-012345';

type Stats = { sendKbps: number; receiveKbps: number; lossPercent: number; downlinkKbps: number | null; videoPausedForBandwidth: boolean };
type MemberView = { userId: string; speaking: boolean; level?: number; stats?: Stats };

describe('member stats in the admin API', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  test('send and receive bitrate, upstream loss and speaking, measured in process', async () => {
    const server = await startTestServer({ workers: 1, adminKey: KEY });
    cleanup.push(() => server.close());
    const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: APP.appId, roomId: 'stats', userId, token: mintToken('stats', userId) });
    const pub = await HeadlessPublisher.join(spec('pub'));
    cleanup.push(() => pub.close());
    // every tenth video packet, the sequence skips one: 6 of ~116 packets a second are missing
    let video = 0;
    let skip = 0;
    pub.stamp = (p) => {
      if (p.header.payloadType !== 96) return;
      if (++video % 10 === 0) skip++;
      p.header.sequenceNumber = (p.header.sequenceNumber + skip) & 0xffff;
    };
    // voice bursts: 0.7 s loud (20 -dBov), 0.7 s silent (the level reported is smoothed)
    pub.audioLevel = () => (Math.floor(performance.now() / 700) % 2 === 0 ? 20 : 127);
    pub.start();
    const sub = await HeadlessSubscriber.join(spec('sub'));
    cleanup.push(() => sub.close());
    await until(async () => sub.packets.audio > 50 && sub.packets.video > 100, 'media at the subscriber', 20_000);

    const members = async (): Promise<MemberView[]> => {
      const r = await fetch(`${server.url}/api/v1/apps/${APP.appId}/rooms/stats/members`, { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(r.status, 200);
      return ((await r.json()) as { members: MemberView[] }).members;
    };
    const of = (list: MemberView[], userId: string) => list.find((m) => m.userId === userId)!;
    // a second and more of history behind the figures
    await new Promise((r) => setTimeout(r, 1500));
    const list = await members();
    const p = of(list, 'pub').stats!;
    const s = of(list, 'sub').stats!;
    // 50 × 100 B audio + 60 × 1100 B video a second ≈ 570 kbit/s of payload (timers under load drift)
    assert.ok(p.sendKbps > 300 && p.sendKbps < 1000, JSON.stringify(p));
    assert.ok(s.receiveKbps > 300 && s.receiveKbps < 1000, JSON.stringify(s));
    assert.ok(p.lossPercent > 2 && p.lossPercent < 10, JSON.stringify(p));
    assert.equal(p.receiveKbps, 0, 'the publisher subscribes to nothing');
    assert.deepEqual([s.sendKbps, s.lossPercent], [0, 0], 'the subscriber publishes nothing');
    // werift's client sends no transport-wide feedback: its downlink is not measured (Chromium's
    // is: the dashboard's test); the publisher has no subscriber connection
    assert.deepEqual([s.downlinkKbps, s.videoPausedForBandwidth], [null, false], JSON.stringify(s));
    assert.deepEqual([p.downlinkKbps, p.videoPausedForBandwidth], [null, false], JSON.stringify(p));

    // speaking, with a loud level during a burst (in the hang time after a burst the smoothed
    // level sinks towards silence while the member still counts as speaking)
    await until(async () => {
      const pub = of(await members(), 'pub');
      return pub.speaking && pub.level !== undefined && pub.level < 60 ? pub : undefined;
    }, 'pub speaking loudly', 10_000);
    assert.equal(of(await members(), 'sub').speaking, false);
  });
});
