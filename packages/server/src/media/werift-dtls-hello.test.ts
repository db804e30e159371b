// A werift DTLS server without the cookie exchange (werift-dtls-hello.ts) against werift's own DTLS
// client, on an in-memory datagram pair: the handshakes, the keys both sides derive, a lost flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { answerHelloAtOnce, serverParts, type DtlsServerInternals } from './werift-dtls-hello.ts';

interface Endpoint {
  onConnect: { once(fn: () => void): void };
  onData: { subscribe(fn: (b: Buffer) => void): void };
  connected: boolean;
  send(buf: Buffer): Promise<void>;
  close(): void;
  exportKeyingMaterial(label: string, length: number): Buffer;
}
interface ClientEndpoint extends Endpoint {
  connect(): Promise<void>;
}
type EndpointClass<T> = new (options: Record<string, unknown>) => T;

const load = createRequire(join(dirname(createRequire(import.meta.url).resolve('werift')), '..', '..', 'dtls', 'src', 'index.js'));
const dtlsLib = load('./index.js') as {
  DtlsServer: EndpointClass<Endpoint & DtlsServerInternals>;
  DtlsClient: EndpointClass<ClientEndpoint>;
  CipherContext: { createSelfSignedCertificateWithKey(sh: { hash: number; signature: number }, curve?: number): Promise<{ certPem: string; keyPem: string; signatureHash: { hash: number; signature: number } }> };
};

/** Handshake message types in a datagram's records (content type 22, epoch 0: not encrypted). */
function handshakeTypes(buf: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 13 <= buf.length; ) {
    const len = buf.readUInt16BE(at + 11);
    if (buf[at] === 22 && buf.readUInt16BE(at + 3) === 0) out.push(buf[at + 13]!);
    at += 13 + len;
  }
  return out;
}

/** A datagram pair: what one side sends the other receives a turn later, unless `drop` says no. */
function link(drop: (fromServer: boolean, buf: Buffer) => boolean = () => false) {
  const fromServer: Buffer[] = [];
  const fromClient: Buffer[] = [];
  const side = (isServer: boolean) => {
    const sock = {
      onData: (_: Buffer): void => undefined,
      peer: undefined as unknown as { onData(b: Buffer): void },
      send: (b: Buffer) => {
        (isServer ? fromServer : fromClient).push(Buffer.from(b));
        if (!drop(isServer, b)) setImmediate(() => sock.peer.onData(Buffer.from(b)));
      },
      close: () => undefined,
      address: {},
      type: 'udp',
    };
    return sock;
  };
  const s = side(true);
  const c = side(false);
  s.peer = c;
  c.peer = s;
  return { server: s, client: c, fromServer, fromClient };
}

async function handshake(patch: boolean, drop?: (fromServer: boolean, buf: Buffer) => boolean) {
  const cert = await dtlsLib.CipherContext.createSelfSignedCertificateWithKey({ hash: 4, signature: 3 }, 23);
  const options = (transport: unknown) => ({ cert: cert.certPem, key: cert.keyPem, signatureHash: cert.signatureHash, transport, srtpProfiles: [1, 7], extendedMasterSecret: true });
  const net = link(drop);
  const server = new dtlsLib.DtlsServer({ ...options(net.server), certificateRequest: true });
  const client = new dtlsLib.DtlsClient(options(net.client));
  if (patch) assert.equal(answerHelloAtOnce(server), true);
  const connected = Promise.all([new Promise<void>((r) => server.onConnect.once(r)), new Promise<void>((r) => client.onConnect.once(r))]);
  const t0 = performance.now();
  await client.connect();
  await connected;
  return { server, client, net, ms: performance.now() - t0 };
}

test("werift's DTLS parts are where werift 0.25.2 has them", () => {
  assert.notEqual(serverParts(), null);
});

test('the first ClientHello gets the ServerHello flight, no HelloVerifyRequest; both sides derive the same keys', async () => {
  const { server, client, net } = await handshake(true);
  try {
    const sent = net.fromServer.flatMap(handshakeTypes);
    assert.ok(!sent.includes(3), `no HelloVerifyRequest (server sent handshake types ${sent.join(',')})`);
    assert.equal(sent[0], 2, 'the server opens with its ServerHello');
    assert.equal(net.fromClient.flatMap(handshakeTypes).filter((t) => t === 1).length, 1, 'one ClientHello');
    assert.deepEqual(server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    // application data both ways on the negotiated keys
    const got: string[] = [];
    server.onData.subscribe((b) => got.push(`s:${b.toString()}`));
    client.onData.subscribe((b) => got.push(`c:${b.toString()}`));
    await client.send(Buffer.from('ping'));
    await server.send(Buffer.from('pong'));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.sort(), ['c:pong', 's:ping']);
  } finally {
    server.close();
    client.close();
  }
});

test("werift's own handshake (the control) opens with a HelloVerifyRequest and one more ClientHello", async () => {
  const { server, client, net } = await handshake(false);
  try {
    assert.equal(net.fromServer.flatMap(handshakeTypes)[0], 3);
    assert.equal(net.fromClient.flatMap(handshakeTypes).filter((t) => t === 1).length, 2);
  } finally {
    server.close();
    client.close();
  }
});

test('a lost ServerHello flight: the retransmitted ClientHello gets the same flight again, and the handshake completes', async () => {
  // the server's whole first flight (ServerHello … ServerHelloDone, one datagram each) is lost
  let firstFlight = true;
  const { server, client, net } = await handshake(true, (fromServer, buf) => {
    if (!fromServer || !firstFlight) return false;
    if (handshakeTypes(buf)[0] === 14) firstFlight = false;
    return true;
  });
  try {
    assert.equal(net.fromClient.flatMap(handshakeTypes).filter((t) => t === 1).length, 2, 'the ClientHello came twice');
    const hellos = net.fromServer.filter((b) => handshakeTypes(b)[0] === 2);
    assert.ok(hellos.length >= 2, 'the ServerHello went again');
    assert.deepEqual(hellos[1], hellos[0], 'the same bytes');
    assert.ok(!net.fromServer.flatMap(handshakeTypes).includes(3), 'no HelloVerifyRequest');
    assert.equal(server.connected && client.connected, true);
  } finally {
    server.close();
    client.close();
  }
});
