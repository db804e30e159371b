// werift's DTLS key exchange on OpenSSL (werift-dtls.ts `opensslX25519`): the RFC 7748 vector,
// agreement with the tweetnacl code it replaces, a hostile low-order point, and two real werift
// connections whose DTLS handshakes run on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { RTCPeerConnection } from 'werift';
import { opensslX25519, x25519, x25519KeyPair } from './werift-dtls.ts';
import { connectPair } from './werift-pair.testing.ts';

type Nacl = { scalarMult: ((n: Uint8Array, p: Uint8Array) => Uint8Array) & { base(n: Uint8Array): Uint8Array }; box: { keyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } } };
const nacl = createRequire(import.meta.resolve('werift'))('tweetnacl') as Nacl;
// tweetnacl's own functions, kept before the patch
const jsMult = nacl.scalarMult;
const jsKeyPair = nacl.box.keyPair;
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

test('X25519 on OpenSSL: RFC 7748 §5.2 vector, the same secrets and keys as tweetnacl, zeros for a low-order point', () => {
  const out = x25519(hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'));
  assert.equal(Buffer.from(out).toString('hex'), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  for (let i = 0; i < 5; i++) {
    const a = x25519KeyPair();
    const b = jsKeyPair();
    assert.equal(a.secretKey.buffer.byteLength, 32, 'a buffer of its own (werift reads .buffer)');
    assert.deepEqual(a.publicKey, jsMult.base(a.secretKey), 'the public key of the secret, as tweetnacl computes it');
    assert.deepEqual(x25519(a.secretKey, b.publicKey), jsMult(b.secretKey, a.publicKey));
  }
  // a point of order 1 (u = 0): OpenSSL refuses it; the handshake must fail later, not throw here
  assert.deepEqual(x25519(x25519KeyPair().secretKey, new Uint8Array(32)), new Uint8Array(32));
  assert.deepEqual(x25519(new Uint8Array(3), new Uint8Array(32)), new Uint8Array(32));
});

test('werift pairs connect (DTLS with X25519) with the key exchange on OpenSSL', async () => {
  assert.equal(opensslX25519(), true);
  assert.notEqual(nacl.scalarMult, jsMult, 'werift’s tweetnacl now calls OpenSSL');
  assert.equal(typeof nacl.scalarMult.base, 'function', 'its other functions stay');
  let calls = 0;
  const patched = nacl.scalarMult;
  nacl.scalarMult = Object.assign((n: Uint8Array, p: Uint8Array) => {
    calls++;
    return patched(n, p);
  }, patched);
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  try {
    await connectPair(a, b);
    assert.equal(calls, 2, 'each side derived its secret through it');
  } finally {
    nacl.scalarMult = patched;
    await Promise.all([a.close(), b.close()]);
  }
});
