import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { TokenError, parseToken, verifyToken, type ParseResult } from './index.ts';
import { APP_ID, APP_KEY, VECTORS, seededRandom } from './test-vectors.ts';

const V1 = VECTORS[0]?.token ?? '';
const V1_CONTENT = Buffer.from(V1.slice(27), 'base64');

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function tokenFromContent(content: Buffer): string {
  return '001' + APP_ID + content.toString('base64');
}
function contentOf(msg: Buffer, sig: Buffer = Buffer.alloc(32, 7)): Buffer {
  return Buffer.concat([u16(msg.length), msg, u16(sig.length), sig]);
}
function msgOf(room: Buffer, user: Buffer, privs: ReadonlyArray<readonly [number, number]> = []): Buffer {
  return Buffer.concat([
    u32(1), u32(2), u32(3),
    u16(room.length), room,
    u16(user.length), user,
    u16(privs.length),
    ...privs.flatMap(([id, exp]) => [u16(id), u32(exp)]),
  ]);
}

/** Parse and assert a malformed result without any exception escaping. */
function expectMalformed(input: string, pattern?: RegExp): TokenError {
  let r: ParseResult | undefined;
  assert.doesNotThrow(() => { r = parseToken(input); });
  assert.ok(r && !r.ok, `expected failure for ${JSON.stringify(input.slice(0, 80))}`);
  assert.ok(r.error instanceof TokenError);
  assert.equal(r.error.code, 'malformed');
  if (pattern) assert.match(r.error.message, pattern);
  return r.error;
}

test('wrong version, empty, short and non-string inputs', () => {
  expectMalformed('', /version prefix "001"/);
  expectMalformed('002' + V1.slice(3), /version prefix "001", got "002"/);
  expectMalformed('01', /version prefix/);
  expectMalformed('001', /too short: 3 characters/);
  expectMalformed('001' + APP_ID, /too short: 27 characters/);
  expectMalformed('001abc', /too short/);
  const r = parseToken(null as unknown as string);
  assert.ok(!r.ok);
  assert.match(r.error.message, /must be a string/);
  assert.ok(!parseToken(42 as unknown as string).ok);
});

test('base64 is checked strictly', () => {
  const body = V1.slice(27);
  for (const ch of ['-', '_', '!', 'é', '\0', '.', '😀']) {
    const err = expectMalformed(V1.slice(0, 40) + ch + V1.slice(41), /invalid base64: character .* at token index 40/);
    assert.equal(err.offset, 40);
  }
  for (const ws of [' ', '\n', '\t', '\r\n']) {
    expectMalformed(V1.slice(0, 60) + ws + V1.slice(60), /invalid base64: character .* at token index 60/);
    expectMalformed(V1 + ws, /invalid base64/);
    expectMalformed(ws + V1, /version prefix/);
  }
  expectMalformed(V1.slice(0, -2), /not a multiple of 4/); // padding removed
  expectMalformed(V1.slice(0, 50) + '=' + V1.slice(51), /character "=" .* at token index 50/);
  expectMalformed('001' + APP_ID + body.slice(0, -3) + 'h==', /non-canonical/); // "4g==" → "4h==": nonzero pad bits
  const v3 = VECTORS[2]?.token ?? '';
  assert.ok(v3.endsWith('Ng=='));
  expectMalformed(v3.slice(0, -4) + 'Nh==', /non-canonical/); // same bytes as "Ng==" but nonzero pad bits
  expectMalformed(v3.slice(0, -4) + 'N===', /not in the standard alphabet|multiple of 4/);
});

test('content truncated at every length of V1 content is rejected with an offset', () => {
  assert.equal(V1_CONTENT.length, 94);
  for (let n = 0; n < V1_CONTENT.length; n++) {
    const err = expectMalformed(tokenFromContent(V1_CONTENT.subarray(0, n)), /truncated|too short/);
    if (n > 0) {
      assert.equal(typeof err.offset, 'number', `offset for length ${n}`);
      assert.match(err.message, /offset \d+/);
    }
  }
  assert.ok(parseToken(tokenFromContent(V1_CONTENT)).ok);
});

test('length prefixes pointing past the end', () => {
  const err = expectMalformed(
    tokenFromContent(Buffer.concat([u16(0xffff), V1_CONTENT.subarray(2)])),
    /signed message length prefix at content byte offset 0 declares 65535 byte\(s\), but only 92 remain/,
  );
  assert.equal(err.offset, 0);
  const msg = msgOf(Buffer.from('room1'), Buffer.from('user1'));
  msg.writeUInt16LE(200, 12); // roomId length
  const e2 = expectMalformed(tokenFromContent(contentOf(msg)), /roomId length prefix at content byte offset 14 declares 200/);
  assert.equal(e2.offset, 14);
  const m3 = msgOf(Buffer.from('r'), Buffer.from('u'), [[4, 0]]);
  m3.writeUInt16LE(2, 12 + 3 + 3); // privilege count 2, only one entry present
  expectMalformed(tokenFromContent(contentOf(m3)), /privilege #1 id needs 2 byte\(s\) at content byte offset 28/);
});

test('trailing bytes after the signature or inside the message', () => {
  expectMalformed(tokenFromContent(Buffer.concat([V1_CONTENT, Buffer.from([0])])), /1 unexpected trailing byte\(s\) after the signature at content byte offset 94/);
  expectMalformed(tokenFromContent(Buffer.concat([V1_CONTENT, Buffer.from('garbage')])), /7 unexpected trailing/);
  const msg = Buffer.concat([msgOf(Buffer.from('r'), Buffer.from('u')), Buffer.from([1, 2])]);
  expectMalformed(tokenFromContent(contentOf(msg)), /2 unexpected trailing byte\(s\) after the privilege list/);
});

test('signature length must be exactly 32', () => {
  const msg = msgOf(Buffer.from('r'), Buffer.from('u'));
  const msgEnd = 2 + msg.length;
  const e31 = expectMalformed(tokenFromContent(contentOf(msg, Buffer.alloc(31))), /signature at content byte offset \d+ is 31 bytes, expected 32/);
  assert.equal(e31.offset, msgEnd);
  expectMalformed(tokenFromContent(contentOf(msg, Buffer.alloc(33))), /is 33 bytes, expected 32/);
  expectMalformed(tokenFromContent(contentOf(msg, Buffer.alloc(0))), /is 0 bytes/);
  assert.ok(parseToken(tokenFromContent(contentOf(msg))).ok);
});

test('ids must be valid UTF-8', () => {
  const bad = [[0xff], [0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x61, 0x80]];
  for (const bytes of bad) {
    expectMalformed(tokenFromContent(contentOf(msgOf(Buffer.from(bytes), Buffer.from('u')))), /roomId at content byte offset 14 is not valid UTF-8/);
    expectMalformed(tokenFromContent(contentOf(msgOf(Buffer.from('r'), Buffer.from(bytes)))), /userId at content byte offset 17 is not valid UTF-8/);
  }
  // A leading BOM is content, not a marker: it must survive.
  const r = parseToken(tokenFromContent(contentOf(msgOf(Buffer.from('\uFEFFroom'), Buffer.from('')))));
  assert.ok(r.ok);
  assert.equal(r.token.roomId, '\uFEFFroom');
  assert.equal(r.token.userId, '');
});

test('privilege entries: unsorted accepted and exposed ascending; duplicates rejected', () => {
  const r = parseToken(tokenFromContent(contentOf(msgOf(Buffer.from('r'), Buffer.from('u'), [[4, 9], [0, 8], [2, 7]]))));
  assert.ok(r.ok);
  assert.deepEqual([...r.token.privileges], [[0, 8], [2, 7], [4, 9]]);
  expectMalformed(tokenFromContent(contentOf(msgOf(Buffer.from('r'), Buffer.from('u'), [[4, 9], [4, 8]]))), /duplicate privilege id 4 at content byte offset 28/);
});

test('parsed buffers are private copies', () => {
  const a = parseToken(V1);
  assert.ok(a.ok);
  a.token.message.fill(0);
  a.token.signature.fill(0);
  const b = parseToken(V1);
  assert.ok(b.ok);
  assert.equal(b.token.message.toString('hex'), VECTORS[0]?.msgHex);
});

test('fuzz: 2000 random strings and V1 mutations never make parseToken/verifyToken throw', () => {
  const rnd = seededRandom(0xc0ffee);
  const int = (n: number): number => Math.floor(rnd() * n);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\0é😀';
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    let input: string;
    switch (i % 5) {
      case 0: { // random bytes behind a valid header
        const bytes = Buffer.alloc(int(120));
        for (let j = 0; j < bytes.length; j++) bytes[j] = int(256);
        input = tokenFromContent(bytes);
        break;
      }
      case 1: { // random characters
        const len = int(200);
        input = i % 2 ? '001' : '';
        for (let j = 0; j < len; j++) input += alphabet[int(alphabet.length)] ?? '';
        break;
      }
      case 2: { // flip bytes of V1's content
        const c = Buffer.from(V1_CONTENT);
        for (let k = 1 + int(3); k > 0; k--) c[int(c.length)] = int(256);
        input = tokenFromContent(c);
        break;
      }
      case 3: { // truncate / extend V1's content
        const c = V1_CONTENT.subarray(0, int(V1_CONTENT.length + 1));
        input = tokenFromContent(i % 2 ? Buffer.concat([c, Buffer.alloc(int(8), int(256))]) : c);
        break;
      }
      default: { // edit V1's characters
        const p = int(V1.length);
        const ch = alphabet[int(alphabet.length)] ?? '';
        input = int(2) ? V1.slice(0, p) + ch + V1.slice(p + 1) : V1.slice(0, p) + ch + V1.slice(p);
      }
    }
    let r: ParseResult | undefined;
    assert.doesNotThrow(() => { r = parseToken(input); }, `parseToken threw for ${JSON.stringify(input)}`);
    assert.ok(r);
    if (r.ok) accepted++;
    else assert.ok(r.error instanceof TokenError && r.error.code === 'malformed');
    assert.doesNotThrow(() => verifyToken(input, { appKey: APP_KEY, roomId: 'room1', userId: 'user1', privilege: [0, 4], now: 1700000000 }));
  }
  assert.ok(accepted < 2000);
});
