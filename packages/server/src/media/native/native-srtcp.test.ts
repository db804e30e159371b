// SRTCP on the native module (werift-adapter.ts `rtcpNatively`) against werift's own SRTCP
// sessions: the same bytes out for the same index, werift's packets opened, forgeries refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, SrtcpSession, type RTCPeerConnection } from 'werift';
import { loadNativeAddon, type NativeAddon } from './addon.ts';
import { rtcpNatively } from '../werift-adapter.ts';

function addon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

function pair(profile: number) {
  const saltLen = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLen), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltLen) };
  const flipped = { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt };
  return { a: () => new SrtcpSession({ keys, profile }), b: () => new SrtcpSession({ keys: flipped, profile }) };
}

/** A compound RTCP packet: a receiver report with one block and a PLI, of sender `ssrc`. */
function rtcp(ssrc: number): Buffer {
  const rr = Buffer.alloc(32);
  rr[0] = 0x81;
  rr[1] = 201;
  rr.writeUInt16BE(7, 2);
  rr.writeUInt32BE(ssrc, 4);
  randomBytes(24).copy(rr, 8);
  const pli = Buffer.alloc(12);
  pli[0] = 0x81;
  pli[1] = 206;
  pli.writeUInt16BE(2, 2);
  pli.writeUInt32BE(ssrc, 4);
  pli.writeUInt32BE(0xbeef, 8);
  return Buffer.concat([rr, pli]);
}

/** A connection of one transport whose SRTCP session is `session` (what rtcpNatively reads). */
const pcOf = (session: SrtcpSession) => ({ dtlsTransports: [{ srtcp: session }] }) as unknown as RTCPeerConnection;

test('AES-GCM SRTCP: the module protects byte for byte as werift does, and opens what werift protects', () => {
  const real = addon();
  // the module, counting its calls (werift's own ciphers would pass the comparisons too)
  const calls = { protect: 0, unprotect: 0 };
  const native: NativeAddon = {
    ...real,
    protectRtcp: (...a) => (calls.protect++, real.protectRtcp(...a)),
    unprotectRtcp: (...a) => (calls.unprotect++, real.unprotectRtcp(...a)),
  };
  const keys = pair(ProtectionProfileAeadAes128Gcm);
  const weriftSender = keys.a();
  const nativeSender = keys.a();
  rtcpNatively(pcOf(nativeSender), native);
  const weriftReceiver = keys.b();
  const nativeReceiver = keys.b();
  rtcpNatively(pcOf(nativeReceiver), native);
  for (let i = 0; i < 5; i++) {
    const packet = rtcp(0x1234 + (i % 2));
    const w = weriftSender.encrypt(packet);
    const n = nativeSender.encrypt(packet);
    assert.deepEqual(n, w, `packet ${i}: same SRTCP (index ${w.readUInt32BE(w.length - 4) & 0x7fffffff})`);
    assert.deepEqual(nativeReceiver.decrypt(w), packet);
    assert.deepEqual(weriftReceiver.decrypt(n), packet);
  }
  assert.deepEqual(calls, { protect: 5, unprotect: 5 });
  const forged = Buffer.from(weriftSender.encrypt(rtcp(0x1234)));
  forged[10]! ^= 1;
  assert.throws(() => nativeReceiver.decrypt(forged), /authenticate SRTCP/);
  assert.throws(() => nativeReceiver.decrypt(forged.subarray(0, 20)), /authenticate SRTCP/);
  // a wrong index in the trailer does not open either
  const moved = Buffer.from(weriftSender.encrypt(rtcp(0x1234)));
  moved[moved.length - 1]! ^= 1;
  assert.throws(() => nativeReceiver.decrypt(moved), /authenticate SRTCP/);
});

test('other profiles stay on werift; a context is replaced once', () => {
  const native = addon();
  const cm = pair(ProtectionProfileAes128CmHmacSha1_80).a();
  const cipher = (cm as unknown as { localContext: { cipher: { encryptRTCP: unknown } } }).localContext.cipher;
  const before = cipher.encryptRTCP;
  rtcpNatively(pcOf(cm), native);
  assert.equal(cipher.encryptRTCP, before);
  const gcm = pair(ProtectionProfileAeadAes128Gcm).a();
  rtcpNatively(pcOf(gcm), native);
  const g = (gcm as unknown as { localContext: { cipher: { encryptRTCP: unknown } } }).localContext.cipher;
  const once = g.encryptRTCP;
  rtcpNatively(pcOf(gcm), native);
  assert.equal(g.encryptRTCP, once);
  assert.notEqual(once, before);
});
