import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classes, Message, methods } from 'werift';
import { isBindingRequest, isStun, receiverUfrag, stunClass, stunMethod, transactionKey, username, verifyFingerprint, verifyIntegrity } from './stun.ts';

/** A binding message encoded by werift (another implementation than the parser's). */
function binding(cls: number, user?: string, password?: string): Message {
  const m = new Message(methods.BINDING, cls);
  if (user !== undefined) m.setAttribute('USERNAME', user);
  m.setAttribute('PRIORITY', 1853824767);
  if (password !== undefined) m.addMessageIntegrity(Buffer.from(password));
  return m.addFingerprint();
}

test('recognises STUN messages and nothing else', () => {
  const req = binding(classes.REQUEST, 'abcd:efgh', 'pw').bytes;
  assert.equal(isStun(req), true);
  // DTLS record, RTP, too short, wrong cookie, length field not matching the datagram
  assert.equal(isStun(Buffer.from([22, 254, 253, ...new Array(40).fill(0)])), false);
  assert.equal(isStun(Buffer.from([0x80, 96, ...new Array(40).fill(0)])), false);
  assert.equal(isStun(req.subarray(0, 19)), false);
  const badCookie = Buffer.from(req);
  badCookie[4] = 0;
  assert.equal(isStun(badCookie), false);
  assert.equal(isStun(Buffer.concat([req, Buffer.alloc(4)])), false);
  assert.equal(isStun(req.subarray(0, req.length - 4)), false);
});

test('reads class, method and transaction id as werift wrote them', () => {
  const cases = [
    [classes.REQUEST, 'request'],
    [classes.INDICATION, 'indication'],
    [classes.RESPONSE, 'success'],
    [classes.ERROR, 'error'],
  ] as const;
  for (const [cls, name] of cases) {
    const m = binding(cls, 'a:b');
    assert.equal(stunClass(m.bytes), name);
    assert.equal(stunMethod(m.bytes), methods.BINDING);
    assert.equal(transactionKey(m.bytes), m.transactionIdHex);
  }
  const allocate = new Message(methods.ALLOCATE, classes.REQUEST).bytes;
  assert.equal(stunMethod(allocate), methods.ALLOCATE);
  assert.equal(isBindingRequest(allocate), false);
  assert.equal(isBindingRequest(binding(classes.REQUEST, 'a:b').bytes), true);
  assert.equal(isBindingRequest(binding(classes.RESPONSE).bytes), false);
});

test("reads the USERNAME and its receiver's ufrag", () => {
  assert.equal(username(binding(classes.REQUEST, 'srv1:cli2', 'pw').bytes), 'srv1:cli2');
  assert.equal(username(binding(classes.REQUEST, undefined, 'pw').bytes), undefined);
  assert.equal(receiverUfrag('srv1:cli2'), 'srv1');
  assert.equal(receiverUfrag('srv1'), undefined);
  assert.equal(receiverUfrag(':cli2'), undefined);
  assert.equal(receiverUfrag('srv1:'), undefined);
});

test('verifies MESSAGE-INTEGRITY with the right password only', () => {
  const req = binding(classes.REQUEST, 'srv1:cli2', 'the-password').bytes;
  assert.equal(verifyIntegrity(req, 'the-password'), true);
  assert.equal(verifyIntegrity(req, 'another-password'), false);
  // one flipped bit in the USERNAME
  const tampered = Buffer.from(req);
  tampered[26]! ^= 1;
  assert.equal(verifyIntegrity(tampered, 'the-password'), false);
  // no MESSAGE-INTEGRITY at all
  assert.equal(verifyIntegrity(binding(classes.REQUEST, 'srv1:cli2').bytes, 'the-password'), false);
});

test('never throws on garbage, however it is cut', () => {
  const req = binding(classes.REQUEST, 'srv1:cli2', 'pw').bytes;
  for (let i = 0; i < 2000; i++) {
    const b = i % 2 ? randomBytes(i % 300) : Buffer.from(req.subarray(0, i % (req.length + 1)));
    if (i % 4 === 1 && b.length > 8) b.writeUInt32BE(0x2112a442, 4);
    if (i % 3 === 0 && b.length > 24) b.writeUInt16BE(0xffff, 22);
    username(b);
    verifyIntegrity(b, 'pw');
    verifyFingerprint(b);
    if (b.length >= 20) {
      stunClass(b);
      transactionKey(b);
    }
    isStun(b);
  }
});
