import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpPacket, SrtcpSession, SrtpSession, type RTCRtpSender } from 'werift';
import { FastRtpSender } from './fast-sender.ts';
import { loadNativeAddon, type NativeAddon } from './native/addon.ts';

/** The native module for the native-path variants (CI builds it; without it they fail with the reason). */
function nativeAddon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

type Profile = typeof ProtectionProfileAeadAes128Gcm | typeof ProtectionProfileAes128CmHmacSha1_80;
const PROFILES: [string, Profile][] = [
  ['AES-GCM', ProtectionProfileAeadAes128Gcm],
  ['AES-CM-SHA1-80', ProtectionProfileAes128CmHmacSha1_80],
];

/** A werift-shaped sender on real werift SRTP sessions whose socket records what is sent. */
function fakeSender(opts: { rtx?: boolean; profile?: Profile; ssrc?: number; native?: NativeAddon; srtcp?: boolean } = {}) {
  const profile = opts.profile ?? ProtectionProfileAeadAes128Gcm;
  const saltLen = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLen), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltLen) };
  const ours = new SrtpSession({ keys, profile });
  // the receiving side holds the same keys the other way round
  const theirs = new SrtpSession({
    keys: { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt },
    profile,
  });
  const sent: Buffer[] = [];
  const rtcp: Buffer[] = [];
  const onState: (() => void)[] = [];
  const theirKeys = { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt };
  const dtlsTransport = {
    state: 'connected',
    srtp: ours as unknown,
    // werift's SRTCP session of the transport (sender reports are protected by it)
    ...(opts.srtcp ? { srtcp: new SrtcpSession({ keys, profile }) } : {}),
    onStateChange: { subscribe: (fn: () => void) => onState.push(fn) },
    iceTransport: {
      connection: {
        canSendApplicationData: () => true,
        nominated: { remoteAddr: ['127.0.0.1', 9] as const, protocol: { transport: { closed: false, socket: { send: (parts: Buffer[]) => sent.push(Buffer.concat(parts)) } } } },
      },
    },
    sendRtcp: async (packets: { serialize(): Buffer }[]) => {
      for (const p of packets) rtcp.push(p.serialize());
    },
  };
  const sender = { ssrc: opts.ssrc ?? 0x11223344, rtxSsrc: 0x55667788, rtxPayloadType: opts.rtx ? 97 : undefined, codec: { payloadType: 96 }, cname: 'cname-1', dtlsTransport };
  return {
    fast: new FastRtpSender(sender as unknown as RTCRtpSender, 0, undefined, opts.native),
    sent,
    rtcp,
    dtlsTransport,
    /** Sets the DTLS state and fires werift's state event, as a handshake does. */
    setDtlsState: (state: string) => {
      dtlsTransport.state = state;
      for (const fn of onState) fn();
    },
    keys,
    decrypt: (b: Buffer) => RtpPacket.deSerialize(theirs.decrypt(b)),
    decryptRtcp: (b: Buffer) => new SrtcpSession({ keys: theirKeys, profile }).decrypt(b),
  };
}

for (const [name, profile] of PROFILES) for (const path of ['js', 'native'] as const) {
  const native = () => (path === 'native' ? nativeAddon() : undefined);
  test(`${name} (${path} path): packets decrypt and authenticate with werift SRTP to the same header and payload, across a ROC wrap`, () => {
    const { fast, sent, decrypt } = fakeSender({ profile, native: native() });
    assert.equal(fast.path(), 'fast');
    const payload = randomBytes(1100);
    const seqs = [65534, 65535, 0, 1, 2];
    for (const seq of seqs) assert.equal(fast.send(seq, 3000 + seq, seq === 1, payload, true), true);
    assert.equal(sent.length, seqs.length);
    assert.equal(sent[0]!.length, 12 + 1100 + (profile === ProtectionProfileAeadAes128Gcm ? 16 : 10));
    sent.forEach((b, i) => {
      const p = decrypt(b);
      assert.equal(p.header.ssrc, 0x11223344);
      assert.equal(p.header.payloadType, 96);
      assert.equal(p.header.sequenceNumber, seqs[i]);
      assert.equal(p.header.timestamp, 3000 + seqs[i]!);
      assert.equal(p.header.marker, seqs[i] === 1);
      assert.deepEqual(p.payload, payload);
    });
    // a flipped ciphertext bit fails authentication
    const bad = Buffer.from(sent[4]!);
    bad[40]! ^= 1;
    assert.throws(() => decrypt(bad));
  });

  test(`${name} (${path} path): NACKs are answered from history: RTX with the original sequence number first, or the packet again (also across a ROC wrap)`, () => {
    const rtx = fakeSender({ rtx: true, profile, native: native() });
    const payloads = [randomBytes(500), randomBytes(600), randomBytes(700)];
    payloads.forEach((p, i) => rtx.fast.send(100 + i, 9000, false, p, true));
    rtx.fast.retransmit([101, 5000]); // 5000 was never sent
    rtx.fast.retransmit([102]);
    assert.equal(rtx.sent.length, 5);
    for (const [i, seq] of [[3, 101], [4, 102]] as const) {
      const r = rtx.decrypt(rtx.sent[i]!);
      assert.equal(r.header.ssrc, 0x55667788);
      assert.equal(r.header.payloadType, 97);
      assert.equal(r.payload.readUInt16BE(0), seq);
      assert.deepEqual(r.payload.subarray(2), payloads[seq - 100]);
    }
    assert.equal(rtx.fast.retransmitted, 2);

    const plain = fakeSender({ profile, native: native() });
    plain.fast.send(65535, 1, true, payloads[0]!, true);
    plain.fast.send(0, 2, true, payloads[1]!, true); // ROC 1 from here
    plain.fast.retransmit([65535, 0]); // sent again under their own indices (ROC 0, then 1)
    const again = plain.sent.slice(2).map((b) => plain.decrypt(b));
    assert.deepEqual(again.map((p) => p.header.sequenceNumber), [65535, 0]);
    assert.deepEqual(again[0]!.payload, payloads[0]);
    assert.deepEqual(again[1]!.payload, payloads[1]);
  });
}

for (const path of ['js', 'native'] as const) test(`probes resend the latest packets on RTX, then pad with padding-only RTX packets when the history runs short (${path} path)`, () => {
  const rtx = fakeSender({ rtx: true, native: path === 'native' ? nativeAddon() : undefined });
  // nothing sent yet (a paused video): the probe is all padding, on consecutive RTX sequence numbers
  const sentBytes = rtx.fast.probe(1000, 7);
  assert.ok(sentBytes >= 1000, `sent ${sentBytes}`);
  const pads = rtx.sent.map((b) => rtx.decrypt(b));
  assert.ok(pads.length >= 4);
  for (const [i, p] of pads.entries()) {
    assert.equal(p.header.ssrc, 0x55667788);
    assert.equal(p.header.payloadType, 97);
    assert.equal(p.header.padding, true);
    assert.equal(p.payload.length, 0, 'no payload but the padding');
    assert.equal(p.header.sequenceNumber, (pads[0]!.header.sequenceNumber + i) & 0xffff);
  }
  // with history: the latest packet first, and padding only for what the history cannot fill
  rtx.fast.send(500, 1, true, randomBytes(300), true);
  rtx.sent.length = 0;
  rtx.fast.probe(600, 8);
  const [first, ...rest] = rtx.sent.map((b) => rtx.decrypt(b));
  assert.equal(first!.payload.readUInt16BE(0), 500);
  assert.equal(first!.header.padding, false);
  assert.ok(rest.length >= 1 && rest.every((p) => p.header.padding));
  // without RTX there is no stream to probe on
  assert.equal(fakeSender().fast.probe(1000, 9), 0);
});

test('AES-CM-SHA1-80 matches RFC 3711 (B.2 keystream, §4.2 tag) independently of werift', () => {
  // RFC 3711 B.2: session key and salt; SSRC 0, index 0 gives the first keystream blocks
  const key = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');
  const salt = Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD', 'hex');
  const auth = randomBytes(20);
  const withKeys = (ssrc: number) => {
    const f = fakeSender({ profile: ProtectionProfileAes128CmHmacSha1_80, ssrc });
    Object.assign((f.dtlsTransport.srtp as { localContext: object }).localContext, { srtpSessionKey: key, srtpSessionSalt: salt, srtpSessionAuthTag: auth });
    return f;
  };
  const tag = (b: Buffer, roc: number) => {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc);
    return createHmac('sha1', auth).update(b.subarray(0, b.length - 10)).update(r).digest().subarray(0, 10);
  };
  const a = withKeys(0);
  assert.equal(a.fast.send(0, 0, false, Buffer.alloc(48), false), true);
  assert.equal(a.fast.profile, 'aes-cm-128-hmac-sha1-80');
  const b = a.sent[0]!;
  assert.equal(b.subarray(12, 60).toString('hex').toUpperCase(), 'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.deepEqual(b.subarray(60), tag(b, 0));
  // index 2^16 + 5 of SSRC 0x0a0b0c0d: IV = salt·2^16 ⊕ SSRC·2^64 ⊕ index·2^16; ROC 1 in the tag
  const c = withKeys(0x0a0b0c0d);
  c.fast.send(65535, 0, false, Buffer.alloc(16), false);
  c.fast.send(5, 0, false, Buffer.alloc(16), false);
  const iv = Buffer.concat([salt, Buffer.alloc(2)]);
  const x = Buffer.from('000000000a0b0c0d0000000100050000', 'hex');
  for (let i = 0; i < 16; i++) iv[i]! ^= x[i]!;
  const ks = createCipheriv('aes-128-ecb', key, null).update(iv);
  assert.deepEqual(c.sent[1]!.subarray(12, 28), ks);
  assert.deepEqual(c.sent[1]!.subarray(28), tag(c.sent[1]!, 1));
});

test("sender reports translate the publisher's clock through the timestamp offset", () => {
  const { fast, rtcp } = fakeSender();
  fast.send(1, 1000, true, randomBytes(10), false);
  const atMs = performance.now();
  fast.sendReport({ sr: { ntpMs: Date.UTC(2026, 0, 1), rtp: 50_000, atMs }, clockRate: 90000, tsOffset: 1_000_000 });
  assert.equal(rtcp.length, 1);
  const b = rtcp[0]!;
  assert.equal(b[1], 200);
  assert.equal(b.readUInt32BE(4), 0x11223344);
  const ntpSecs = b.readUInt32BE(8) - 2208988800;
  assert.ok(Math.abs(ntpSecs - Date.UTC(2026, 0, 1) / 1000) <= 1);
  const rtp = b.readUInt32BE(16);
  assert.ok(rtp >= 1_050_000 && rtp < 1_050_000 + 9000, `rtp ${rtp}`); // + at most 100 ms of elapsed clock
  assert.equal(b.readUInt32BE(20), 1); // packets
  assert.equal(b[29], 202); // SDES follows
  assert.equal(b.subarray(38, 38 + 7).toString(), 'cname-1');
});

test('sender reports leave on the route, protected by the transport’s SRTCP session (not through werift’s ICE stack)', () => {
  const f = fakeSender({ srtcp: true });
  f.fast.send(1, 1000, true, randomBytes(10), false);
  const before = f.sent.length;
  assert.equal(f.fast.sendReport({ sr: undefined, clockRate: 90000, tsOffset: 0 }), true);
  assert.equal(f.rtcp.length, 0, 'not through dtls.sendRtcp');
  assert.equal(f.sent.length, before + 1);
  const sr = Buffer.from(f.decryptRtcp(f.sent.at(-1)!));
  assert.equal(sr[1], 200);
  assert.equal(sr.readUInt32BE(4), 0x11223344);
  assert.equal(sr.readUInt32BE(20), 1); // packets
  assert.equal(sr.subarray(38, 38 + 7).toString(), 'cname-1');
});

test('the path: wait until DTLS is up, then decided once from the negotiated profile; others go to werift', () => {
  const f = fakeSender({ profile: ProtectionProfileAes128CmHmacSha1_80 });
  f.dtlsTransport.state = 'connecting';
  assert.equal(f.fast.path(), 'wait');
  assert.equal(f.fast.send(1, 1, false, Buffer.alloc(1), false), false);
  f.dtlsTransport.state = 'connected';
  assert.equal(f.fast.path(), 'fast');
  assert.equal(f.fast.profile, 'aes-cm-128-hmac-sha1-80');
  assert.equal(f.fast.send(1, 1, false, Buffer.alloc(1), false), true);
  assert.equal(f.fast.packets, 1);

  // a profile the fast path does not write (say SHA1_32: 4-byte tags), from the first packet on
  const other = fakeSender({ profile: ProtectionProfileAes128CmHmacSha1_80 });
  const ctx = (other.dtlsTransport.srtp as { localContext: { profile: number; cipher: { authTagLength: number } } }).localContext;
  ctx.profile = 2;
  ctx.cipher.authTagLength = 4;
  assert.equal(other.fast.path(), 'werift');
  assert.equal(other.fast.profile, undefined);
  assert.equal(other.fast.send(1, 1, false, Buffer.alloc(1), false), false);
  other.fast.retransmit([1]);
  assert.equal(other.sent.length, 0);

  // a new SRTP session (say after an ICE restart) is decided again, with a new crypto context (ROC 0)
  const g = fakeSender();
  assert.equal(g.fast.profile, undefined);
  assert.equal(g.fast.path(), 'fast');
  assert.equal(g.fast.profile, 'aes-128-gcm');
  for (const seq of [65535, 0]) g.fast.send(seq, 1, false, Buffer.alloc(8), false); // ROC 1 now
  const next = fakeSender({ profile: ProtectionProfileAes128CmHmacSha1_80 });
  // a new handshake: DTLS goes through connecting (its state event drops the kept route)
  g.setDtlsState('connecting');
  g.dtlsTransport.srtp = next.dtlsTransport.srtp;
  g.setDtlsState('connected');
  assert.equal(g.fast.path(), 'fast');
  assert.equal(g.fast.profile, 'aes-cm-128-hmac-sha1-80');
  g.fast.send(1, 2, false, Buffer.alloc(8, 7), false);
  assert.deepEqual(next.decrypt(g.sent.at(-1)!).payload, Buffer.alloc(8, 7));
  g.setDtlsState('connecting');
  g.dtlsTransport.srtp = { localContext: { profile: 7 } }; // no keys: werift's path
  g.setDtlsState('connected');
  assert.equal(g.fast.path(), 'werift');
});
