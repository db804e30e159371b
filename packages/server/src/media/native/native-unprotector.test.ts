import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpAuthenticationError, SrtpSession, type RTCPeerConnection } from 'werift';
import { loadNativeAddon, type NativeAddon } from './addon.ts';
import { decryptNatively } from '../werift-adapter.ts';

function addon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

type Profile = typeof ProtectionProfileAeadAes128Gcm | typeof ProtectionProfileAes128CmHmacSha1_80;

/** A werift SRTP session pair (a publisher's and the server's), the server's twice: werift's decryption and the native one. */
function sessions(profile: Profile) {
  const saltLen = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLen), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltLen) };
  const flipped = { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt };
  const publisher = new SrtpSession({ keys, profile });
  const werift = new SrtpSession({ keys: flipped, profile });
  const native = new SrtpSession({ keys: flipped, profile });
  // the module, counting its decryptions (werift's own would pass these tests too)
  const real = addon();
  const opened = { count: 0 };
  const counting: NativeAddon = { ...real, unprotect: (...args) => (opened.count++, real.unprotect(...args)) };
  decryptNatively({ dtlsTransports: [{ srtp: native }] } as unknown as RTCPeerConnection, counting);
  return { publisher, werift, native, opened };
}

for (const [name, profile] of [['AES-GCM', ProtectionProfileAeadAes128Gcm], ['AES-CM-SHA1-80', ProtectionProfileAes128CmHmacSha1_80]] as const) {
  test(`${name}: a publisher's packets decrypt natively to what werift decrypts (extensions, padding, a ROC wrap); forged ones are refused as werift refuses them`, () => {
    const { publisher, werift, native, opened } = sessions(profile);
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    for (const [i, seq] of seqs.entries()) {
      const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: 1000 * i, ssrc: 0xcafe, marker: i === 2, padding: i === 4 });
      if (i % 2 === 0) {
        header.extension = true;
        header.extensions = [{ id: 3, payload: Buffer.from([i, 0x55]) }];
      }
      let payload = randomBytes(200 + i * 100);
      if (header.padding) payload = Buffer.concat([payload, Buffer.from([0, 0, 3])]);
      const wire = publisher.encrypt(payload, header);
      const expected = werift.decrypt(wire);
      const got = native.decrypt(wire);
      assert.deepEqual(got, expected, `seq ${seq}`);
      const p = RtpPacket.deSerialize(got);
      assert.equal(p.header.sequenceNumber, seq);
      assert.equal(p.header.padding, i === 4);
    }
    assert.equal(opened.count, seqs.length, 'every packet went through the module');
    const forged = publisher.encrypt(randomBytes(300), new RtpHeader({ payloadType: 96, sequenceNumber: 3, timestamp: 9, ssrc: 0xcafe }));
    forged[forged.length - 20]! ^= 1;
    assert.throws(() => werift.decrypt(Buffer.from(forged)), SrtpAuthenticationError);
    assert.throws(() => native.decrypt(Buffer.from(forged)), SrtpAuthenticationError);
    assert.throws(() => native.decrypt(forged.subarray(0, 20)), SrtpAuthenticationError);
    // the forgery changed nothing: the next packet still opens
    const next = publisher.encrypt(randomBytes(100), new RtpHeader({ payloadType: 96, sequenceNumber: 4, timestamp: 10, ssrc: 0xcafe }));
    assert.deepEqual(native.decrypt(next), werift.decrypt(next));
  });
}
