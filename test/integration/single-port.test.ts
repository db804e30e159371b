// Single-port mode end to end (`rtcroom serve --rtc-port N`), the server in its own process so its
// sockets can be read from /proc: 2 headless werift publishers and 20 headless subscribers in one
// room. Every subscriber must receive audio and video of both publishers (counted per subscriber
// and publisher, each against a threshold). The server process holds exactly one UDP socket, on
// N, and listens on no TCP port but its HTTP port (its other TCP sockets are the clients'
// signaling WebSockets). Garbage datagrams, checks with unknown ufrags and
// checks with a real ufrag but a forged MESSAGE-INTEGRITY are dropped and counted while the call
// goes on; after a subscriber ICE restart (server's offer) and a publisher ICE restart (client's
// offer) the server's new ufrags route. When everyone has left, the demultiplexing table is
// empty. A second test runs ICE over TCP on the same port number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { classes, Message, methods } from 'werift';
import { HeadlessPublisher, HeadlessSubscriber, type JoinSpec } from '../../bench/lib/headless-client.ts';
import { BENCH_APP, benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';

const PUBLISHERS = 2;
const SUBSCRIBERS = 20;
const WINDOW_MS = 4000;
/**
 * Video of 15 frames/s × 2 packets (~270 kbps): two of them and the audio fit the 1 Mbps a
 * subscriber's downlink starts with (these subscribers send no transport-wide feedback, so it
 * never grows, and a third of a Mbps more would pause a video for bandwidth).
 */
const VIDEO = { fps: 15, packetsPerFrame: 2 };
/** Per subscriber, publisher and kind in a window: at least half of what was sent (audio 50/s, video 30/s). */
const MIN_PACKETS = { audio: (50 * WINDOW_MS) / 1000 / 2, video: (VIDEO.fps * VIDEO.packetsPerFrame * WINDOW_MS) / 1000 / 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free for both UDP and TCP on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (;;) {
    const u = createSocket('udp4');
    u.bind(0, '127.0.0.1');
    await once(u, 'listening');
    const port = u.address().port;
    const t = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      t.once('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => resolve(true));
    });
    u.close();
    await new Promise((r) => (ok ? t.close(r) : r(undefined)));
    if (ok) return port;
  }
}

/** Datagrams the kernel dropped on process `pid`'s UDP socket bound to `port` (its receive buffer was full). */
function kernelDrops(pid: number, port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const row = readFileSync(`/proc/${pid}/net/udp`, 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(hex));
  return Number(row?.trim().split(/\s+/)[12] ?? 0);
}

/** The IPv4 sockets process `pid` holds: protocol, local port, TCP state (0A: listening). */
function sockets(pid: number): { proto: 'udp' | 'tcp'; port: number; state: string }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out: { proto: 'udp' | 'tcp'; port: number; state: string }[] = [];
  for (const proto of ['udp', 'tcp', 'udp6', 'tcp6'] as const) {
    const rows = readFileSync(`/proc/${pid}/net/${proto}`, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      if (!inodes.has(f[9]!)) continue;
      out.push({ proto: proto.startsWith('udp') ? 'udp' : 'tcp', port: parseInt(f[1]!.split(':')[1]!, 16), state: f[3]! });
    }
  }
  return out;
}

interface Demux {
  peers: number;
  ufrags: number;
  addresses: number;
  transactions: number;
  received: number;
  dropped: { unknownAddress: number; unknownUfrag: number; badIntegrity: number };
}
interface Health {
  media: { peers: number; mode: string; udpPort?: number; tcpPort?: number; demux?: Demux; tcp?: { accepted: number; claimed: number; rejected: number; pending: number } };
}
const health = async (server: ServerProcess): Promise<Health> => (await server.health()) as unknown as Health;

/**
 * Which publisher each SSRC a subscriber receives belongs to: the server's offer names the
 * publisher of each m-line (mid), its SDP the SSRC of each m-line.
 */
function ssrcOwners(sub: HeadlessSubscriber): Map<number, string> {
  const userOf = new Map(sub.tracks.map((t) => [t.mid, t.userId]));
  const owners = new Map<number, string>();
  for (const section of (sub.pc?.remoteDescription?.sdp ?? '').split(/\r\nm=/).slice(1)) {
    const mid = /a=mid:(\S+)/.exec(section)?.[1];
    const user = mid === undefined ? undefined : userOf.get(mid);
    if (!user) continue;
    for (const m of section.matchAll(/a=ssrc:(\d+) /g)) owners.set(Number(m[1]), user);
  }
  return owners;
}

/** Counts, per subscriber, the packets of each publisher and kind. */
class Tally {
  readonly #subs: HeadlessSubscriber[] = [];
  readonly #bySsrc: Map<number, { kind: 'audio' | 'video'; n: number }>[] = [];

  watch(sub: HeadlessSubscriber): void {
    const counts = new Map<number, { kind: 'audio' | 'video'; n: number }>();
    this.#subs.push(sub);
    this.#bySsrc.push(counts);
    sub.onArrival = (kind, ssrc) => {
      const c = counts.get(ssrc);
      if (c) c.n++;
      else counts.set(ssrc, { kind, n: 1 });
    };
  }

  /** Packets per subscriber, as `<publisher>.<kind>` → count (`unknown.<kind>`: an SSRC of no offered track). */
  snapshot(): Record<string, number>[] {
    return this.#bySsrc.map((counts, i) => {
      const owners = ssrcOwners(this.#subs[i]!);
      const out: Record<string, number> = {};
      for (const [ssrc, c] of counts) {
        const key = `${owners.get(ssrc) ?? 'unknown'}.${c.kind}`;
        out[key] = (out[key] ?? 0) + c.n;
      }
      return out;
    });
  }
}

/**
 * Asserts that every subscriber (but `skipSub`) received at least the minimum of each publisher's
 * (in `publishers`) audio and video in the window.
 */
async function assertEveryoneReceives(tally: Tally, label: string, skipSub = -1, publishers = [0, 1]): Promise<void> {
  const before = tally.snapshot();
  await sleep(WINDOW_MS);
  const after = tally.snapshot();
  const short: string[] = [];
  after.forEach((counts, i) => {
    if (i === skipSub) return;
    for (const p of publishers) {
      for (const kind of ['audio', 'video'] as const) {
        const key = `pub${p}.${kind}`;
        const got = (counts[key] ?? 0) - (before[i]![key] ?? 0);
        if (got < MIN_PACKETS[kind]) short.push(`sub${i} ${key}: ${got}`);
      }
    }
  });
  console.log(`# ${label}: sub0 ${JSON.stringify(after[0])}`);
  assert.deepEqual(short, [], `${label}: subscribers short of media (minimum audio ${MIN_PACKETS.audio}, video ${MIN_PACKETS.video} in ${WINDOW_MS} ms)`);
}

/** An ICE check for `ufrag` signed with `password`. */
const check = (ufrag: string, password: string): Buffer =>
  new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufrag}:evil`).setAttribute('PRIORITY', 1).addMessageIntegrity(Buffer.from(password)).addFingerprint().bytes;

const ufragOf = (sdp: string | undefined): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
const credentialsOf = (sdp: string | undefined): { ufrag: string; pwd: string } => ({ ufrag: ufragOf(sdp)!, pwd: /a=ice-pwd:(\S+)/.exec(sdp ?? '')![1]! });

/** Whether the server answers an ICE check signed with `creds` (sent from `sock`) within a second. */
async function answered(sock: Socket, port: number, creds: { ufrag: string; pwd: string }): Promise<boolean> {
  const req = new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${creds.ufrag}:probe`).setAttribute('PRIORITY', 1).addMessageIntegrity(Buffer.from(creds.pwd)).addFingerprint();
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(ok);
    };
    const onMessage = (msg: Buffer): void => {
      if (msg.length >= 20 && msg.toString('hex', 8, 20) === req.transactionIdHex) done(msg.readUInt16BE(0) === 0x0101);
    };
    const timer = setTimeout(() => done(false), 1000);
    sock.on('message', onMessage);
    sock.send(req.bytes, port, '127.0.0.1');
  });
}

async function waitFor<T>(what: string, get: () => Promise<T> | T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await sleep(200);
  }
}

/** Every client leaves (exitRtcRoom) and closes; a werift close that does not finish in 3 s is left behind. */
async function leaveAll(clients: (HeadlessPublisher | HeadlessSubscriber)[], roomId: string): Promise<void> {
  const bounded = <T>(p: Promise<T>): Promise<unknown> => Promise.race([p.catch(() => undefined), sleep(3000)]);
  await Promise.all(clients.map((c) => bounded(c.signal.request('exitRtcRoom', { roomId }))));
  let stuck = 0;
  await Promise.all(clients.map((c) => Promise.race([c.close().then(() => true, () => true), sleep(3000).then(() => false)]).then((ok) => void (ok || stuck++))));
  if (stuck) console.log(`# ${stuck} client connection(s) did not finish closing in 3 s`);
  clients.length = 0;
}

test(`--rtc-port: ${PUBLISHERS} publishers → ${SUBSCRIBERS} subscribers on one UDP socket, garbage and ICE restarts included`, { timeout: 240_000 }, async () => {
  const port = await freePort();
  const server = await startServerProcess(['--rtc-port', String(port)], [], { pin: false });
  const clients: (HeadlessPublisher | HeadlessSubscriber)[] = [];
  const attacker: Socket = createSocket('udp4');
  const roomId = 'single_port';
  try {
    const h0 = await health(server);
    assert.equal(h0.media.mode, 'single-port');
    assert.equal(h0.media.udpPort, port);
    const spec = (userId: string): JoinSpec => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId) });
    const pubs: HeadlessPublisher[] = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      const p = await HeadlessPublisher.join(spec(`pub${i}`));
      p.start(VIDEO.fps, VIDEO.packetsPerFrame);
      pubs.push(p);
      clients.push(p);
    }
    const tally = new Tally();
    const subs: HeadlessSubscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const s = await HeadlessSubscriber.join(spec(`sub${i}`));
      tally.watch(s);
      subs.push(s);
      clients.push(s);
    }
    // every server candidate the clients were given is on the one port
    await waitFor('subscribers connected', () => subs.filter((s) => s.connection() === 'connected').length, (n) => n === SUBSCRIBERS);
    for (const c of [...pubs, ...subs]) {
      const candidates = (c.pc!.remoteDescription?.sdp ?? '').split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      assert.ok(candidates.length > 0);
      for (const l of candidates) assert.equal(Number(l.split(' ')[5]), port, l);
    }
    await sleep(1000);
    await assertEveryoneReceives(tally, 'steady');

    // the server's sockets: one UDP socket (the media port), one TCP listener (HTTP); the rest are
    // the accepted signaling WebSockets (and the /healthz connection)
    const httpPort = Number(new URL(server.url).port);
    const socks = sockets(server.pid);
    console.log(`# server sockets: UDP ${JSON.stringify(socks.filter((s) => s.proto === 'udp'))}, TCP listening on ${socks.filter((s) => s.state === '0A').map((s) => s.port)}, ${socks.filter((s) => s.proto === 'tcp' && s.state !== '0A').length} TCP connections`);
    assert.deepEqual(socks.filter((s) => s.proto === 'udp'), [{ proto: 'udp', port, state: '07' }]);
    assert.deepEqual(socks.filter((s) => s.proto === 'tcp' && s.state === '0A').map((s) => s.port), [httpPort]);

    // garbage, unknown ufrags, a real ufrag with a forged integrity, stray responses
    const realUfrag = ufragOf(subs[0]!.pc!.remoteDescription?.sdp)!;
    const d0 = (await health(server)).media.demux!;
    const kernel0 = kernelDrops(server.pid, port);
    attacker.bind(0, '127.0.0.1');
    await once(attacker, 'listening');
    const send = async (b: Buffer): Promise<void> => {
      attacker.send(b, port, '127.0.0.1');
      await new Promise((r) => setImmediate(r));
    };
    const GARBAGE = 300;
    const UNKNOWN = 100;
    const FORGED = 50;
    const STRAY = 50;
    for (let i = 0; i < GARBAGE; i++) {
      const b = randomBytes(i % 1200);
      if (i % 3 === 0 && b.length >= 8) {
        b[0]! &= 3; // STUN-looking
        b.writeUInt32BE(0x2112a442, 4);
      }
      await send(b);
    }
    for (let i = 0; i < UNKNOWN; i++) await send(check(randomBytes(8).toString('hex'), 'whatever'));
    for (let i = 0; i < FORGED; i++) await send(check(realUfrag, randomBytes(11).toString('hex')));
    for (let i = 0; i < STRAY; i++) await send(new Message(methods.BINDING, classes.RESPONSE).addFingerprint().bytes);
    // every attack datagram that reached the server is counted as dropped; one the kernel dropped
    // (receive buffer full on this busy 2-core machine) never reached it
    const lost = (): number => kernelDrops(server.pid, port) - kernel0;
    const increase = (d: Demux): number => d.dropped.unknownAddress - d0.dropped.unknownAddress + d.dropped.unknownUfrag - d0.dropped.unknownUfrag + d.dropped.badIntegrity - d0.dropped.badIntegrity;
    const d1 = await waitFor('attack counted', async () => (await health(server)).media.demux!, (d) => increase(d) + lost() >= GARBAGE + UNKNOWN + FORGED + STRAY, 5000);
    const lostInKernel = lost();
    console.log(`# dropped before ${JSON.stringify(d0.dropped)} after ${JSON.stringify(d1.dropped)}; lost in the kernel meanwhile: ${lostInKernel}`);
    assert.ok(lostInKernel < (GARBAGE + UNKNOWN + FORGED + STRAY) / 10, `the kernel dropped ${lostInKernel} datagrams`);
    assert.ok(d1.dropped.unknownAddress - d0.dropped.unknownAddress + lostInKernel >= GARBAGE + STRAY, 'garbage and stray responses dropped as from an unknown address');
    assert.ok(d1.dropped.unknownUfrag - d0.dropped.unknownUfrag + lostInKernel >= UNKNOWN, 'checks with unknown ufrags dropped');
    assert.ok(d1.dropped.badIntegrity - d0.dropped.badIntegrity + lostInKernel >= FORGED, 'checks with a forged integrity dropped');
    assert.equal(d1.addresses, d0.addresses, 'the attacker taught the table no address');
    await assertEveryoneReceives(tally, 'after the garbage');

    // ICE restarts (sub0's leg: the server offers; pub0's leg: the client offers) give the server's
    // agents new ufrags, and the table follows: a check signed with the new credentials is routed
    // to the agent and answered, one with the previous ones still is (a restart in progress), one
    // with an unknown ufrag is not. (Media does not resume on those two legs, in either port mode:
    // werift's RTCPeerConnection.connect() skips a transport whose DTLS is connected, so after an
    // ICE restart between two werift peers the new ICE session is never started. The rest of the
    // call goes on and is checked below.)
    const prober = createSocket('udp4');
    prober.bind(0, '127.0.0.1');
    await once(prober, 'listening');
    try {
      const oldSub = credentialsOf(subs[0]!.pc!.remoteDescription?.sdp);
      const oldPub = credentialsOf(pubs[0]!.pc.remoteDescription?.sdp);
      assert.equal(await answered(prober, port, oldSub), true, 'a check with the current credentials is answered');
      const dropsBefore = (await health(server)).media.demux!.dropped.unknownUfrag;
      await subs[0]!.signal.request('restartSubscriberIce', {});
      await pubs[0]!.restartIce();
      const newSub = await waitFor('new subscriber credentials', () => credentialsOf(subs[0]!.pc!.remoteDescription?.sdp), (c) => c.ufrag !== oldSub.ufrag);
      const newPub = credentialsOf(pubs[0]!.pc.remoteDescription?.sdp);
      assert.notEqual(newPub.ufrag, oldPub.ufrag);
      await sleep(1000);
      assert.equal((await health(server)).media.demux!.dropped.unknownUfrag, dropsBefore, "the clients' checks to the new ufrags were routed, none dropped");
      for (const [what, creds] of [['subscriber leg', newSub], ['publisher leg', newPub]] as const) {
        assert.equal(await answered(prober, port, creds), true, `${what}: a check with the new credentials is answered`);
      }
      assert.equal(await answered(prober, port, oldSub), true, 'the previous ufrag still routes');
      assert.equal(await answered(prober, port, { ufrag: randomBytes(8).toString('hex'), pwd: newSub.pwd }), false, 'an unknown ufrag does not');
      const d = (await health(server)).media.demux!;
      assert.ok(d.ufrags <= d.peers * 3, `ufrags bounded: ${d.ufrags} for ${d.peers} peers`);
      assert.equal(d.peers, PUBLISHERS + SUBSCRIBERS);
    } finally {
      prober.close();
    }
    await assertEveryoneReceives(tally, 'after the ICE restarts (but sub0, and pub0 whose own restart stopped its sending)', 0, [1]);

    // everyone leaves: nothing stays in the table (within 3 s: the members exited, no ghost timeout)
    await leaveAll(clients, roomId);
    const end = await waitFor('table emptied', async () => (await health(server)).media, (m) => m.peers === 0 && m.demux!.peers === 0 && m.demux!.transactions === 0, 3000);
    assert.deepEqual({ peers: end.demux!.peers, ufrags: end.demux!.ufrags, addresses: end.demux!.addresses, transactions: end.demux!.transactions }, { peers: 0, ufrags: 0, addresses: 0, transactions: 0 });
    assert.deepEqual(sockets(server.pid).filter((s) => s.proto === 'udp'), [{ proto: 'udp', port, state: '07' }]);
  } finally {
    attacker.close();
    await leaveAll(clients, roomId);
    server.stop();
  }
});

test('--rtc-port --rtc-tcp: ICE over TCP on the same port number, one listener, media both ways over it', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const server = await startServerProcess(['--rtc-port', String(port), '--rtc-tcp'], [], { pin: false });
  const clients: (HeadlessPublisher | HeadlessSubscriber)[] = [];
  const roomId = 'single_port_tcp';
  try {
    assert.equal((await health(server)).media.tcpPort, port);
    const spec = (userId: string): JoinSpec => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId, userId, token: benchToken(roomId, userId), iceTcp: true });
    const pub = await HeadlessPublisher.join(spec('pub0'));
    pub.start(VIDEO.fps, VIDEO.packetsPerFrame);
    clients.push(pub);
    const subs = [await HeadlessSubscriber.join(spec('sub0')), await HeadlessSubscriber.join(spec('sub1'))];
    clients.push(...subs);
    await waitFor('TCP subscribers connected', () => subs.map((s) => s.connection()), (c) => c.every((x) => x === 'connected'));
    // the offered TCP candidate is passive, on the port; no active one is offered
    const sdp = subs[0]!.pc!.remoteDescription!.sdp;
    assert.match(sdp, new RegExp(`a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${port} typ host tcptype passive`));
    assert.doesNotMatch(sdp, /tcptype active/);
    await sleep(1000);
    const before = subs.map((s) => ({ ...s.packets }));
    await sleep(WINDOW_MS);
    subs.forEach((s, i) => {
      assert.ok(s.packets.audio - before[i]!.audio >= MIN_PACKETS.audio, `sub${i} audio over TCP: ${s.packets.audio - before[i]!.audio}`);
      assert.ok(s.packets.video - before[i]!.video >= MIN_PACKETS.video, `sub${i} video over TCP: ${s.packets.video - before[i]!.video}`);
    });
    const h = await health(server);
    console.log(`# tcp ${JSON.stringify(h.media.tcp)}`);
    // werift's clients may dial more than once; none was turned away
    assert.ok(h.media.tcp!.claimed >= 3, 'the publisher and both subscribers claimed their TCP connections');
    assert.equal(h.media.tcp!.rejected, 0);
    // the clients offered only TCP candidates: nothing came over UDP, so all media went over TCP
    assert.equal(h.media.demux!.received, 0, 'no datagram on the UDP port');
    assert.equal(h.media.demux!.addresses, 0);
    const socks = sockets(server.pid);
    assert.deepEqual(socks.filter((s) => s.proto === 'udp').map((s) => s.port), [port]);
    assert.deepEqual(socks.filter((s) => s.proto === 'tcp' && s.state === '0A').map((s) => s.port).sort(), [port, Number(new URL(server.url).port)].sort());
    await leaveAll(clients, roomId);
    const end = await waitFor('table emptied', async () => (await health(server)).media, (m) => m.peers === 0 && m.demux!.peers === 0);
    assert.equal(end.demux!.ufrags + end.demux!.addresses + end.demux!.transactions, 0);
  } finally {
    await leaveAll(clients, roomId);
    server.stop();
  }
});
