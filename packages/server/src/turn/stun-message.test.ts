import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { ATTR, decodeStun, encodeStun, errorCode, MAGIC_COOKIE, xorAddress, xorAddressValue } from './stun-message.ts';

test('MESSAGE-INTEGRITY with a long-term key matches RFC 5769 §2.4', () => {
  const tx = Buffer.from('78ad3433c6ad72c029da412e', 'hex');
  const username = Buffer.from('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'utf8');
  const nonce = Buffer.from('f//499k954d6OL34oL9FSTvy64sA');
  const realm = Buffer.from('example.org');
  const m = encodeStun(0x0001, tx, [[ATTR.username, username], [ATTR.nonce, nonce], [ATTR.realm, realm]], { username: username.toString('utf8'), realm: 'example.org', password: 'TheMatrIX' });
  const d = decodeStun(m)!;
  assert.equal(d.attrs.get(ATTR.messageIntegrity)!.toString('hex'), 'f67024656dd64a3e02b8e0712e85c9a28ca89666');
  assert.deepEqual(d.attrs.get(ATTR.username), username);
  assert.deepEqual(d.transactionId, tx);
  // FINGERPRINT: CRC-32 of everything before it, XOR 0x5354554e
  const fp = d.attrs.get(ATTR.fingerprint)!;
  assert.equal(fp.length, 4);
  assert.equal(fp.readUInt32BE(0), (crc32(m.subarray(0, m.length - 8)) ^ 0x5354554e) >>> 0);
});

test('decoding: ERROR-CODE, XOR addresses (RFC 5769 §2.2 IPv4 sample), truncated input', () => {
  // XOR-MAPPED-ADDRESS of RFC 5769 §2.2: 192.0.2.1 port 32853
  const tx = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
  const xma = Buffer.from('0001a147e112a643', 'hex');
  const err = Buffer.concat([Buffer.from([0, 0, 4, 1]), Buffer.from('Unauthorized')]);
  const m = decodeStun(encodeStun(0x0113, tx, [[ATTR.xorMappedAddress, xma], [ATTR.errorCode, err]]))!;
  assert.equal(xorAddress(m, ATTR.xorMappedAddress), '192.0.2.1:32853');
  assert.deepEqual(errorCode(m), { code: 401, reason: 'Unauthorized' });
  const whole = encodeStun(0x0001, tx, []);
  assert.equal(whole.readUInt32BE(4), MAGIC_COOKIE);
  assert.equal(decodeStun(whole.subarray(0, whole.length - 1)), undefined);
  assert.equal(decodeStun(Buffer.from('not stun at all, really not')), undefined);
});

test('XOR-address values: RFC 5769 §2.2 sample encoded, round trips, non-IPv4 refused', () => {
  assert.equal(xorAddressValue('192.0.2.1', 32853).toString('hex'), '0001a147e112a643');
  const tx = Buffer.alloc(12, 7);
  for (const [ip, port] of [['127.0.0.1', 3478], ['255.255.255.255', 65535], ['0.0.0.0', 0]] as const) {
    const m = decodeStun(encodeStun(0x0101, tx, [[ATTR.xorMappedAddress, xorAddressValue(ip, port)]]))!;
    assert.equal(xorAddress(m, ATTR.xorMappedAddress), `${ip}:${port}`);
  }
  for (const bad of ['::1', '1.2.3', '1.2.3.256', '1..2.3', '1.2.3.4 ', 'host']) assert.throws(() => xorAddressValue(bad, 1), /not an IPv4 address/);
});
