// Webhooks to a local HTTP receiver: order per room, signatures, retries after 500s then
// recovery, a bounded backlog, and a hanging receiver that stalls neither signaling nor media.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultConfig, AppRegistry } from '@rtcroom/server';
import { HeadlessPublisher, HeadlessSubscriber } from '../../bench/lib/headless-client.ts';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { scrape, value } from '../helpers/metrics.ts';
import { until } from '../helpers/sdk-page.ts';

const KEY = 'admin-key-for-tests-0123456789';

/** A webhook receiver: records every request; `answer` decides the status (undefined: never answer). */
class Receiver {
  readonly got: { body: string; headers: IncomingHttpHeaders; status: number | undefined }[] = [];
  answer: (n: number) => number | undefined = () => 200;
  readonly #server: Server;
  readonly #hung = new Set<() => void>();
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.answer(this.got.length);
        this.got.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, status });
        if (status === undefined) this.#hung.add(() => res.destroy());
        else res.writeHead(status).end();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Bodies of the requests answered 2xx, parsed. */
  delivered(): any[] {
    return this.got.filter((g) => g.status !== undefined && g.status < 300).map((g) => JSON.parse(g.body));
  }

  async close(): Promise<void> {
    for (const h of this.#hung) h();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const fast = (url: string, o: Partial<ReturnType<typeof defaultConfig>['webhooks']> = {}) => ({ ...defaultConfig(new AppRegistry([])).webhooks, urls: [url], baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 1000, ...o });
const summary = (e: any) => [e.event, e.member?.userId, e.stream?.source].filter(Boolean).join(' ');

describe('webhooks', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });
  const setup = async (o: Partial<ReturnType<typeof defaultConfig>['webhooks']> = {}) => {
    const recv = new Receiver();
    await recv.start();
    cleanup.push(() => recv.close());
    const server = await startTestServer({ adminKey: KEY, resumeGraceMs: 0, webhooks: fast(recv.url, o) });
    cleanup.push(() => server.close());
    return { recv, server };
  };
  const spec = (wsUrl: string, roomId: string, userId: string) => ({ wsUrl, appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) });

  test('a call: every event, in order, signed with the admin key, with ids and times', async () => {
    const { recv, server } = await setup();
    const t0 = Date.now();
    const pub = await HeadlessPublisher.join(spec(server.wsUrl, 'hooks', 'pub'));
    const sub = await HeadlessSubscriber.join(spec(server.wsUrl, 'hooks', 'sub'));
    await sub.close();
    // two sockets dropped within a moment reach the server in either order: the sub's first
    await until(async () => recv.delivered().some((e) => summary(e) === 'member_left sub'), 'the sub to leave', 10_000);
    await pub.close();
    const want = [
      'room_started',
      'member_joined pub',
      'stream_published pub audio',
      'stream_published pub video',
      'member_joined sub',
      'member_left sub',
      'stream_unpublished pub audio',
      'stream_unpublished pub video',
      'member_left pub',
      'room_finished',
    ];
    await until(async () => recv.delivered().length >= want.length, 'all events', 10_000);
    const events = recv.delivered();
    assert.deepEqual(events.map(summary), want);
    for (const g of recv.got) {
      const sig = `sha256=${createHmac('sha256', KEY).update(g.body).digest('hex')}`;
      assert.equal(g.headers['x-rtcroom-signature'], sig, 'signed: HMAC-SHA256 of the raw body under the admin key');
      assert.equal(g.headers['content-type'], 'application/json');
      assert.equal(g.headers['x-rtcroom-event-id'], JSON.parse(g.body).id);
    }
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'ids are unique');
    for (const e of events) {
      assert.equal(e.appId, APP.appId);
      assert.equal(e.roomId, 'hooks');
      assert.ok(Date.parse(e.time) >= t0 - 1000 && Date.parse(e.time) <= Date.now(), e.time);
    }
    const left = events.find((e) => summary(e) === 'member_left pub');
    assert.deepEqual(left.member.published, ['audio', 'video']);
    assert.equal(left.member.reason.length > 0, true);
    const finished = events.at(-1);
    assert.ok(finished.room.durationSeconds >= 0 && finished.room.endedAt >= finished.room.startedAt);
    assert.deepEqual(events.find((e) => e.event === 'stream_published').stream, { source: 'audio', kind: 'audio' });
  });

  test('a receiver answering 500 gets the same event again with back-off, then the rest in order', async () => {
    const { recv, server } = await setup();
    recv.answer = (n) => (n < 3 ? 500 : 200);
    const a = await TestClient.connect(server.wsUrl);
    cleanup.push(async () => a.ws.terminate());
    await a.request('joinRtcRoom', { appId: APP.appId, roomId: 'retry', userId: 'ann', token: mintToken('retry', 'ann') });
    await a.request('exitRtcRoom', { roomId: 'retry' });
    await until(async () => recv.delivered().length >= 4, 'four events delivered', 10_000);
    assert.deepEqual(recv.delivered().map(summary), ['room_started', 'member_joined ann', 'member_left ann', 'room_finished']);
    const first = JSON.parse(recv.got[0]!.body).id;
    assert.deepEqual(recv.got.slice(0, 4).map((g) => [JSON.parse(g.body).id, g.status]), [[first, 500], [first, 500], [first, 500], [first, 200]]);
    const m = await scrape(server.url);
    assert.equal(value(m, 'rtcroom_webhook_attempts_total', { result: 'failed' }), 3);
    assert.equal(value(m, 'rtcroom_webhook_attempts_total', { result: 'ok' }), 4);
    assert.equal(value(m, 'rtcroom_webhook_queued'), 0);
  });

  test('a server shutting down delivers the leaves and room ends it causes', async () => {
    const { recv, server } = await setup();
    const c = await TestClient.connect(server.wsUrl);
    cleanup.push(async () => c.ws.terminate());
    await c.request('joinRtcRoom', { appId: APP.appId, roomId: 'bye', userId: 'zoe', token: mintToken('bye', 'zoe') });
    await server.close();
    assert.deepEqual(recv.delivered().map(summary), ['room_started', 'member_joined zoe', 'member_left zoe', 'room_finished']);
  });

  test('a hanging receiver stalls neither signaling nor media; its backlog stays bounded (oldest dropped, counted)', async () => {
    const { recv, server } = await setup({ queueLimit: 5, timeoutMs: 60_000 });
    recv.answer = () => undefined;
    const pub = await HeadlessPublisher.join(spec(server.wsUrl, 'hang', 'pub'));
    cleanup.push(() => pub.close());
    pub.start();
    const sub = await HeadlessSubscriber.join(spec(server.wsUrl, 'hang', 'sub'));
    cleanup.push(() => sub.close());
    await until(async () => sub.packets.video > 50, 'video at the subscriber', 15_000);
    // members come and go while the receiver holds the first request
    for (let i = 0; i < 6; i++) {
      const c = await TestClient.connect(server.wsUrl);
      cleanup.push(async () => c.ws.terminate());
      const t = performance.now();
      const r = await c.request('joinRtcRoom', { appId: APP.appId, roomId: 'hang', userId: `guest${i}`, token: mintToken('hang', `guest${i}`) });
      assert.ok(r.result, JSON.stringify(r));
      assert.ok(performance.now() - t < 2000, 'the join was answered at once');
      await c.request('exitRtcRoom', { roomId: 'hang' });
    }
    const before = sub.packets.video;
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(sub.packets.video > before + 10, `media kept flowing (${sub.packets.video - before} video packets in 1 s)`);
    assert.equal(recv.got.length, 1, 'one request in flight for the room, the rest wait');
    const m = await scrape(server.url);
    assert.ok(value(m, 'rtcroom_webhook_dropped_total') >= 10, `dropped ${value(m, 'rtcroom_webhook_dropped_total')}`);
    assert.ok(value(m, 'rtcroom_webhook_queued') <= 6, 'five waiting and one in flight at most');
  });
});
