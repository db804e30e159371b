// The early-DTLS seam (werift-dtls.ts) on werift's own Event (the ICE agent's onData) and a stand-in
// DTLS transport that, like werift's, makes its endpoint synchronously inside `start`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event } from 'werift';
import { holdUntilStart, MAX_EARLY_DTLS } from './werift-dtls.ts';
import type { ConnectionInternals, DtlsTransportInternals } from './werift-ice.ts';

function transport() {
  const onData = new Event<[Buffer]>();
  const endpoint: Buffer[] = [];
  const dtls = {
    state: 'new',
    iceTransport: { connection: { onData } as unknown as ConnectionInternals },
    async start() {
      // werift: the DTLS endpoint subscribes to the agent's data, then the handshake is awaited
      this.state = 'connecting';
      onData.subscribe((d: Buffer) => void endpoint.push(d));
      await new Promise((r) => setTimeout(r, 1));
      this.state = 'connected';
    },
  };
  return { dtls: dtls as DtlsTransportInternals, onData, endpoint };
}

const hello = (n: number) => Buffer.from([22, 0xfe, 0xfd, n]); // a DTLS handshake record
const rtp = Buffer.from([0x80, 96, 0, 1]);

test('DTLS datagrams that arrive before the transport starts reach its endpoint in order, once', async () => {
  const { dtls, onData, endpoint } = transport();
  holdUntilStart(dtls);
  holdUntilStart(dtls); // twice is once
  onData.execute(hello(1));
  onData.execute(rtp); // not DTLS: not kept
  onData.execute(hello(2));
  assert.deepEqual(endpoint, []);
  const started = dtls.start();
  assert.deepEqual(endpoint, [hello(1), hello(2)], 'replayed as start made the endpoint');
  onData.execute(hello(3)); // after the start: delivered by werift's own path only
  await started;
  assert.deepEqual(endpoint, [hello(1), hello(2), hello(3)]);
});

test('without early datagrams nothing is replayed; at most MAX_EARLY_DTLS are kept', async () => {
  const quiet = transport();
  holdUntilStart(quiet.dtls);
  await quiet.dtls.start();
  assert.deepEqual(quiet.endpoint, []);
  const busy = transport();
  holdUntilStart(busy.dtls);
  for (let i = 0; i < MAX_EARLY_DTLS + 5; i++) busy.onData.execute(hello(i));
  await busy.dtls.start();
  assert.equal(busy.endpoint.length, MAX_EARLY_DTLS);
  assert.deepEqual(busy.endpoint[0], hello(0));
});
