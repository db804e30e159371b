// A publisher's RTP taken below werift (werift-media-receive.ts): the rollover counter as werift
// keeps it, and the packets of a stream werift routed, decrypted on the native module and handed
// to the track as werift would hand them. Real SRTP sessions (werift's) and the real module; the
// receiver, track and router around them are the parts the module reads, faked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, RtpHeader, RtpPacket, SrtpSession, type RTCPeerConnection } from 'werift';
import { loadNativeAddon } from './native/addon.ts';
import { decryptNatively } from './werift-adapter.ts';
import { belowWerift, commitRoc, forgetRoutes, receiveNatively, rocFor, type RocState } from './werift-media-receive.ts';

type Updater = { updateRolloverCount(seq: number, s: RocState): void };

test("the rollover counter follows werift's estimate over wraps, reordering and late packets", () => {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(12), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(12) };
  const werift = new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm }).remoteContext as unknown as Updater;
  // a deterministic walk: mostly forward, some reordering, across several wraps, with jumps
  let x = 0x9e3779b9;
  const rand = (n: number) => {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const theirs: RocState = { rolloverCounter: 0, lastSequenceNumber: 0 };
  const ours: RocState = { rolloverCounter: 0, lastSequenceNumber: 0 };
  let seq = 65000;
  let wraps = 0;
  for (let i = 0; i < 20_000; i++) {
    const r = rand(100);
    const next = r < 85 ? seq + 1 + rand(3) : r < 97 ? seq - rand(40) : seq + rand(3000);
    if (next > 0xffff) wraps++;
    seq = ((next % 0x10000) + 0x10000) % 0x10000;
    werift.updateRolloverCount(seq, theirs);
    commitRoc(ours, seq, rocFor(ours, seq));
    assert.equal(ours.rolloverCounter, theirs.rolloverCounter, `packet ${i}, seq ${seq}`);
    assert.equal(ours.lastSequenceNumber, theirs.lastSequenceNumber);
  }
  assert.ok(wraps >= 5, `${wraps} wraps`);
});

/** One stream's packet from the publisher's side (AES-GCM), with a transport-wide number and, for audio, a level. */
function srtp(publisher: SrtpSession, ssrc: number, seq: number, opts: { pt?: number; level?: number; twcc?: number } = {}): Buffer {
  const header = new RtpHeader({ payloadType: opts.pt ?? 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: true });
  header.extension = true;
  header.extensions = [{ id: 3, payload: Buffer.from([((opts.twcc ?? seq) >> 8) & 0xff, (opts.twcc ?? seq) & 0xff]) }];
  if (opts.level !== undefined) header.extensions.push({ id: 1, payload: Buffer.from([0x80 | opts.level]) });
  const payload = Buffer.from(`payload ${seq}`);
  return publisher.encrypt(payload, header);
}

function fixture() {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(12), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(12) };
  const flipped = { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt };
  const publisher = new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm });
  const server = new SrtpSession({ keys: flipped, profile: ProtectionProfileAeadAes128Gcm });
  const toWerift: Buffer[] = [];
  const delivered: { packet: RtpPacket; ext: Record<string, unknown> }[] = [];
  const added: number[] = [];
  const nacked: number[] = [];
  const twcc: number[] = [];
  const track = { kind: 'audio', onReceiveRtp: { execute: (packet: RtpPacket, ext: Record<string, unknown>) => void delivered.push({ packet, ext }) } };
  const receiver = {
    stopped: false,
    codecs: { 111: { name: 'opus', clockRate: 48000 }, 112: { name: 'rtx', clockRate: 48000 } },
    trackBySSRC: {} as Record<number, typeof track>,
    remoteStreams: {} as Record<number, { add(p: RtpPacket): void }>,
    nackEnabled: undefined,
    nack: { addPacket: (p: RtpPacket) => void nacked.push(p.header.sequenceNumber) },
    runRtcp: () => undefined,
  };
  const router = { ssrcTable: {} as Record<number, unknown>, extIdUriMap: { 1: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', 3: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' } };
  const onData = { execute: (data: Buffer) => void toWerift.push(data) };
  const transport = { srtp: server, iceTransport: { connection: { onData } } };
  const pc = { router, dtlsTransports: [transport] } as unknown as RTCPeerConnection;
  decryptNatively(pc, load.addon);
  receiveNatively(pc, { handleTWCC: (seq) => void twcc.push(seq) });
  /** What werift does with a stream's first packet: decrypts it (its rollover state) and routes it. */
  const wRoute = (ssrc: number, data: Buffer) => {
    const dec = server.decrypt(data);
    router.ssrcTable[ssrc] = receiver;
    receiver.trackBySSRC[ssrc] = track;
    receiver.remoteStreams[ssrc] = { add: (p) => void added.push(p.header.sequenceNumber) };
    return RtpPacket.deSerialize(dec);
  };
  return { publisher, server, onData, toWerift, delivered, added, nacked, twcc, receiver, track, pc, wRoute };
}

test("a routed stream's packets are decrypted natively and handed to its track as werift would; the rest stays with werift", () => {
  const f = fixture();
  const ssrc = 0x1234;
  // the stream's first packet: werift's (nothing routed yet)
  const first = srtp(f.publisher, ssrc, 65534);
  f.onData.execute(first);
  assert.equal(f.toWerift.length, 1);
  f.wRoute(ssrc, first);
  const before = belowWerift.packets;
  // then across a sequence wrap, with levels: taken below werift
  for (const seq of [65535, 0, 1]) f.onData.execute(srtp(f.publisher, ssrc, seq, { level: 30 + seq % 7, twcc: 500 + (seq + 1) % 0x10000 }));
  assert.equal(f.toWerift.length, 1, 'werift got nothing more');
  assert.equal(belowWerift.packets - before, 3);
  assert.deepEqual(f.delivered.map((d) => d.packet.header.sequenceNumber), [65535, 0, 1]);
  assert.deepEqual(f.delivered.map((d) => d.packet.payload.toString()), ['payload 65535', 'payload 0', 'payload 1']);
  assert.deepEqual(f.delivered.map((d) => d.packet.header.timestamp), [65535 * 960, 0, 960]);
  assert.deepEqual(f.delivered.map((d) => (d.ext['urn:ietf:params:rtp-hdrext:ssrc-audio-level'] as { level: number }).level), [30 + 65535 % 7, 30, 31]);
  assert.deepEqual(f.twcc, [500, 501, 502]);
  assert.deepEqual(f.added, [65535, 0, 1], "werift's statistics counted them (its receiver reports)");
  assert.deepEqual(f.nacked, [], 'audio: no NACK tracking');
  // a forged packet is dropped, as werift drops it, and the rollover state stays
  const forged = srtp(f.publisher, ssrc, 2);
  forged[forged.length - 1]! ^= 1;
  f.onData.execute(forged);
  assert.equal(f.delivered.length, 3);
  assert.equal(f.toWerift.length, 1);
  f.onData.execute(srtp(f.publisher, ssrc, 2));
  assert.equal(f.delivered.at(-1)!.packet.payload.toString(), 'payload 2');
  // RTX (its own payload type), an unknown SSRC and RTCP stay with werift
  f.onData.execute(srtp(f.publisher, ssrc, 3, { pt: 112 }));
  f.onData.execute(srtp(f.publisher, 0x9999, 1));
  const rtcp = Buffer.from([0x80, 200, 0, 6, ...randomBytes(24)]);
  f.onData.execute(rtcp);
  assert.equal(f.toWerift.length, 4);
  // after a negotiation the stream is werift's until werift routed it again (here: it still is)
  forgetRoutes(f.pc);
  f.onData.execute(srtp(f.publisher, ssrc, 4));
  assert.equal(f.delivered.at(-1)!.packet.payload.toString(), 'payload 4', 'the route is made again from werift’s tables');
  // a stopped receiver's stream goes back to werift
  f.receiver.stopped = true;
  f.onData.execute(srtp(f.publisher, ssrc, 5));
  assert.equal(f.toWerift.length, 5);
});

test('werift takes a stream back with the rollover state the module left', () => {
  const f = fixture();
  const ssrc = 0x4321;
  const first = srtp(f.publisher, ssrc, 65530);
  f.onData.execute(first);
  f.wRoute(ssrc, first);
  for (let seq = 65531; seq <= 65535 + 3; seq++) f.onData.execute(srtp(f.publisher, ssrc, seq % 0x10000));
  assert.equal(f.delivered.length, 8);
  // werift's own decryption of the next packet (after the wrap) needs the rollover the module counted
  f.receiver.stopped = true;
  const next = srtp(f.publisher, ssrc, 3);
  f.onData.execute(next);
  assert.equal(f.toWerift.at(-1), next);
  assert.equal(RtpPacket.deSerialize(f.server.decrypt(next)).payload.toString(), 'payload 3');
});
