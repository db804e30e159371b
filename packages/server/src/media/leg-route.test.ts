import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LegRoute, ROUTE_RECHECK_MS, type WeriftSenderInternals } from './leg-route.ts';
import { TWCC_EXTENSION_URI } from './downlink-cc.ts';

/** A werift-shaped sender whose DTLS transport and ICE agent fire their state events on demand. */
function leg() {
  const dtlsEvents: (() => void)[] = [];
  const iceEvents: (() => void)[] = [];
  const pair = (port: number) => ({ remoteAddr: ['127.0.0.1', port] as const, protocol: { transport: { closed: false, socket: { send() {} } } } });
  const conn = {
    consent: true,
    nominated: pair(1000) as ReturnType<typeof pair> | undefined,
    canSendApplicationData() {
      return this.consent && this.nominated !== undefined;
    },
    stateChanged: { subscribe: (fn: () => void) => iceEvents.push(fn) },
  };
  const dtls = {
    state: 'connecting',
    onStateChange: { subscribe: (fn: () => void) => dtlsEvents.push(fn) },
    iceTransport: { connection: conn },
    sendRtcp: async () => undefined,
  };
  const sender = {
    ssrc: 1234,
    rtxSsrc: 5678,
    rtxPayloadType: undefined,
    codec: { payloadType: 96 },
    cname: undefined,
    headerExtensions: [{ id: 3, uri: TWCC_EXTENSION_URI }],
    dtlsTransport: dtls,
  };
  return {
    sender,
    conn,
    dtls,
    newPair: pair,
    fireDtls: () => dtlsEvents.forEach((fn) => fn()),
    fireIce: () => iceEvents.forEach((fn) => fn()),
    route: new LegRoute(sender as unknown as WeriftSenderInternals, true),
  };
}

test('a route is read once DTLS is up, at the first packet after (no wait), with payload type, SSRC, pair and extension id', () => {
  const l = leg();
  assert.equal(l.route.ready(0), false, 'DTLS not connected');
  l.dtls.state = 'connected'; // no event needed: an unusable route is read again at every packet
  assert.equal(l.route.ready(1), true);
  assert.deepEqual([l.route.pt, l.route.ssrc, l.route.ccId, l.route.to[1]], [96, 1234, 3, 1000]);
  assert.ok(l.route.socket);
});

test('a kept route is not read again until an event, a renegotiation or the recheck time; then it follows werift', () => {
  const l = leg();
  l.dtls.state = 'connected';
  assert.equal(l.route.ready(0), true);
  // werift moves to another pair without telling (an ICE restart does)
  l.conn.nominated = l.newPair(2000);
  assert.equal(l.route.ready(10), true);
  assert.equal(l.route.to[1], 1000, 'kept');
  assert.equal(l.route.fresh(ROUTE_RECHECK_MS - 1), true);
  assert.equal(l.route.fresh(ROUTE_RECHECK_MS), false);
  assert.equal(l.route.ready(ROUTE_RECHECK_MS), true);
  assert.equal(l.route.to[1], 2000, 'read again at the recheck time');
  // the ICE agent's state event drops it at once
  l.conn.nominated = l.newPair(3000);
  l.fireIce();
  assert.equal(l.route.ready(ROUTE_RECHECK_MS + 1), true);
  assert.equal(l.route.to[1], 3000);
  // so does the DTLS transport's
  l.dtls.state = 'closed';
  l.fireDtls();
  assert.equal(l.route.ready(ROUTE_RECHECK_MS + 2), false);
  l.dtls.state = 'connected';
  assert.equal(l.route.ready(ROUTE_RECHECK_MS + 3), true);
  // a renegotiation: new extension ids and codec
  l.sender.headerExtensions = [{ id: 5, uri: TWCC_EXTENSION_URI }];
  l.sender.codec = { payloadType: 100 };
  assert.equal(l.route.ready(ROUTE_RECHECK_MS + 4), true);
  assert.equal(l.route.ccId, 3, 'kept until told');
  l.route.invalidate();
  assert.equal(l.route.ready(ROUTE_RECHECK_MS + 5), true);
  assert.deepEqual([l.route.ccId, l.route.pt], [5, 100]);
});

test('no route without consent, a pair, or a codec; a leg that numbers nothing has extension id 0', () => {
  const l = leg();
  l.dtls.state = 'connected';
  l.conn.consent = false;
  assert.equal(l.route.ready(0), false);
  l.conn.consent = true;
  l.conn.nominated = undefined;
  assert.equal(l.route.ready(1), false);
  l.conn.nominated = l.newPair(4000);
  l.sender.codec = undefined as unknown as { payloadType: number };
  assert.equal(l.route.ready(2), false);
  const plain = new LegRoute({ ...l.sender, codec: { payloadType: 96 } } as unknown as WeriftSenderInternals, false);
  assert.equal(plain.ready(3), true);
  assert.equal(plain.ccId, 0);
});
