// /metrics parsed by a Prometheus text-format parser: counters move with a real call (headless
// werift clients), per-worker labels with media workers, the key or loopback rule.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadlessPublisher, HeadlessSubscriber } from '../../bench/lib/headless-client.ts';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { scrape, value, type Scrape } from '../helpers/metrics.ts';
import { until } from '../helpers/sdk-page.ts';

const KEY = 'metrics-key-for-tests-01234567';

/** Runs a call of one publisher and one subscriber until `packets` have arrived; returns what the subscriber got. */
async function call(wsUrl: string, roomId: string, packets: number, cleanup: (() => Promise<void>)[]): Promise<number> {
  const spec = (userId: string) => ({ wsUrl, appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) });
  const pub = await HeadlessPublisher.join(spec('pub'));
  cleanup.push(() => pub.close());
  pub.start();
  const sub = await HeadlessSubscriber.join(spec('sub'));
  cleanup.push(() => sub.close());
  await until(async () => sub.packets.audio + sub.packets.video >= packets, `${packets} packets at the subscriber`, 20_000);
  return sub.packets.audio + sub.packets.video;
}

function assertWellFormed(s: Scrape): void {
  for (const [name, f] of s) {
    assert.ok(f.help.length > 0, `${name} has help`);
  }
}

describe('/metrics', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  test('in process: open to loopback; rooms, members, publishers, peers and packet counters move with a real call', async () => {
    const server = await startTestServer({ workers: 1 });
    cleanup.push(() => server.close());
    const before = await scrape(server.url);
    assertWellFormed(before);
    for (const name of ['rtcroom_rooms', 'rtcroom_members', 'rtcroom_publishers', 'rtcroom_peer_connections', 'rtcroom_forwarded_packets_total', 'rtcroom_forwarded_bytes_total', 'rtcroom_received_packets_lost_total', 'rtcroom_nack_packets_total', 'rtcroom_pli_sent_total', 'rtcroom_layer_steps_down_total', 'rtcroom_layer_steps_up_total', 'rtcroom_bandwidth_pauses_total', 'rtcroom_join_duration_seconds', 'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total']) {
      assert.ok(before.has(name), `${name} is exported`);
    }
    assert.equal(value(before, 'rtcroom_rooms'), 0);
    assert.equal(value(before, 'rtcroom_join_duration_seconds'), 0);
    const got = await call(server.wsUrl, 'm1', 300, cleanup);
    const during = await scrape(server.url);
    assertWellFormed(during);
    assert.equal(value(during, 'rtcroom_rooms'), 1);
    assert.equal(value(during, 'rtcroom_members'), 2);
    assert.equal(value(during, 'rtcroom_publishers'), 1);
    assert.equal(value(during, 'rtcroom_signaling_sessions'), 2);
    assert.ok(value(during, 'rtcroom_peer_connections') >= 2);
    const forwarded = value(during, 'rtcroom_forwarded_packets_total') - value(before, 'rtcroom_forwarded_packets_total');
    assert.ok(forwarded >= got, `forwarded ${forwarded} ≥ received by the subscriber ${got}`);
    assert.ok(value(during, 'rtcroom_received_packets_total') >= forwarded * 0.9, 'one subscriber: about as many received as forwarded');
    assert.ok(value(during, 'rtcroom_forwarded_bytes_total') > forwarded * 50, 'payload bytes counted');
    assert.ok(value(during, 'rtcroom_pli_sent_total') >= 1, 'a keyframe was asked for when the subscriber connected');
    assert.equal(value(during, 'rtcroom_join_duration_seconds', { result: 'ok' }), 2, 'two joins observed');
    await until(async () => value(await scrape(server.url), 'rtcroom_forwarded_packets_total') > value(during, 'rtcroom_forwarded_packets_total'), 'the counter to keep moving', 5000);
    // a request relayed by a local reverse proxy is not a loopback client
    for (const h of [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }] as Record<string, string>[]) {
      const r = await fetch(`${server.url}/metrics`, { headers: h });
      assert.equal(r.status, 403);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'forbidden');
    }
    // HEAD and a wrong method
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  });

  test('with media workers and a metrics key: the key is required, media series carry a worker label', async () => {
    const server = await startTestServer({ workers: 2, metricsKey: KEY });
    cleanup.push(() => server.close());
    for (const auth of [undefined, 'Bearer wrong-key-wrong-key-wrong', `Basic ${KEY}`]) {
      const r = await fetch(`${server.url}/metrics`, auth ? { headers: { authorization: auth } } : {});
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unauthorized');
    }
    const got = await call(server.wsUrl, 'm2', 200, cleanup);
    // a worker reports once a second
    const s = await until(async () => {
      const x = await scrape(server.url, KEY);
      return value(x, 'rtcroom_forwarded_packets_total') >= got ? x : undefined;
    }, 'worker counters to arrive', 10_000);
    assertWellFormed(s);
    const series = s.get('rtcroom_forwarded_packets_total')!.samples;
    assert.ok(series.length >= 1 && series.every((m) => /^[01]$/.test(m.labels.worker ?? '')), JSON.stringify(series));
    assert.deepEqual(s.get('rtcroom_worker_up')!.samples.map((m) => [m.labels.worker, m.value]).sort(), [['0', 1], ['1', 1]]);
    assert.equal(value(s, 'rtcroom_worker_rooms'), 1);
    assert.ok(s.has('rtcroom_worker_event_loop_lag_seconds'));
    assert.equal(value(s, 'rtcroom_members'), 2);
  });
});
