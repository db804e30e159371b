import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classes, Message, methods, parseMessage } from 'werift';
import { bindingRequest, bindingSuccess } from './stun-build.ts';
import { verifyFingerprint, verifyIntegrity } from './stun.ts';

test("a consent check's answer is byte for byte werift's, and werift reads it with the password", () => {
  for (const [host, port] of [
    ['127.0.0.1', 50000],
    ['10.200.1.2', 1],
    ['255.255.255.255', 65535],
  ] as const) {
    const txid = randomBytes(12);
    const ours = bindingSuccess(txid, host, port, 'server-password')!;
    const theirs = new Message(methods.BINDING, classes.RESPONSE, txid)
      .setAttribute('XOR-MAPPED-ADDRESS', [host, port])
      .addMessageIntegrity(Buffer.from('server-password'))
      .addFingerprint().bytes;
    assert.deepEqual(ours, theirs);
    const read = parseMessage(ours, Buffer.from('server-password'));
    assert.ok(read, 'werift verifies integrity and fingerprint');
    assert.deepEqual(read.getAttributeValue('XOR-MAPPED-ADDRESS'), [host, port]);
    assert.equal(parseMessage(ours, Buffer.from('another')), undefined);
    assert.equal(verifyIntegrity(ours, 'server-password'), true);
    assert.equal(verifyFingerprint(ours), true);
  }
  assert.equal(bindingSuccess(randomBytes(12), '::1', 5000, 'pw'), undefined, 'IPv6 is answered by werift');
});

test("a consent check is byte for byte werift's, in both roles, with and without USE-CANDIDATE", () => {
  for (const [role, useCandidate] of [
    ['controlling', true],
    ['controlling', false],
    ['controlled', false],
  ] as const) {
    for (const username of ['abcd:efgh', 'a-longer-ufrag-of-odd-length:x']) {
      const txid = randomBytes(12);
      const tieBreaker = 0xfedcba9876543210n;
      const ours = bindingRequest(txid, { username, priority: 1853824767, role, tieBreaker, useCandidate }, Buffer.from('client-password'));
      const m = new Message(methods.BINDING, classes.REQUEST, txid).setAttribute('USERNAME', username).setAttribute('PRIORITY', 1853824767);
      m.setAttribute(role === 'controlling' ? 'ICE-CONTROLLING' : 'ICE-CONTROLLED', tieBreaker);
      if (useCandidate) m.setAttribute('USE-CANDIDATE', null);
      const theirs = m.addMessageIntegrity(Buffer.from('client-password')).addFingerprint().bytes;
      assert.deepEqual(ours, theirs, `${role} ${useCandidate} ${username}`);
      const read = parseMessage(ours, Buffer.from('client-password'));
      assert.equal(read?.getAttributeValue('USERNAME'), username);
      assert.equal(read?.attributesKeys.includes('USE-CANDIDATE'), useCandidate);
    }
  }
});

test('a changed byte fails the fingerprint', () => {
  const ok = bindingSuccess(randomBytes(12), '127.0.0.1', 4000, 'pw')!;
  assert.equal(verifyFingerprint(ok), true);
  for (let i = 0; i < ok.length; i++) {
    const bad = Buffer.from(ok);
    bad[i]! ^= 0x10;
    assert.equal(verifyFingerprint(bad) && verifyIntegrity(bad, 'pw'), false, `byte ${i}`);
  }
  // no FINGERPRINT, or one that is not last
  assert.equal(verifyFingerprint(new Message(methods.BINDING, classes.REQUEST).setAttribute('PRIORITY', 1).bytes), false);
  assert.equal(verifyFingerprint(Buffer.concat([ok, Buffer.alloc(4)])), false);
});
