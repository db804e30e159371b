import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { AccessToken, effectiveExpiry, parseToken, verifyToken, type PrivilegeId } from './index.ts';
import { APP_ID, seededRandom } from './test-vectors.ts';

const PIECES = ['a', 'Z', '0', '_', '-', ' ', '*', 'é', 'ß', '测', '試', 'ㅎ', 'ع', '😀', '👩‍💻', '\u{10FFFF}', '\uFEFF', '\0', '\n'];

test('property: 500 random tokens round-trip through serialize → parse → verify', () => {
  const rnd = seededRandom(20240607);
  const int = (n: number): number => Math.floor(rnd() * n);
  const u32 = (): number => int(0x1_0000_0000);
  const randomId = (): string => {
    const shape = int(10);
    if (shape === 0) return '';
    if (shape === 1) return '*';
    const len = shape === 2 ? 300 : 1 + int(shape < 6 ? 12 : 300);
    let s = '';
    while ([...s].length < len) s += PIECES[int(PIECES.length)] ?? 'x';
    return s;
  };

  for (let i = 0; i < 500; i++) {
    const roomId = randomId();
    const userId = randomId();
    const appKey = i % 7 === 0 ? 'ключ🔑' : `key-${u32()}`;
    const t = new AccessToken(APP_ID, appKey, roomId, userId);
    t.nonce = u32();
    t.issuedAt = u32();
    const expireAt = int(3) === 0 ? 0 : u32();
    if (expireAt !== 0 || int(2)) t.expireTime(expireAt);

    const expected = new Map<number, number>();
    for (let k = int(5); k > 0; k--) {
      const id = int(5) as PrivilegeId;
      const exp = int(3) === 0 ? 0 : u32();
      t.addPrivilege(id, exp);
      expected.set(id, exp);
      if (id === 0) for (const sub of [1, 2, 3]) expected.set(sub, exp);
    }

    const token = t.serialize();
    assert.ok(token.startsWith('001' + APP_ID));
    const r = parseToken(token);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const p = r.token;
    assert.equal(p.appId, APP_ID);
    assert.equal(p.nonce, t.nonce);
    assert.equal(p.issuedAt, t.issuedAt);
    assert.equal(p.expireAt, expireAt);
    assert.equal(p.roomId, roomId);
    assert.equal(p.userId, userId);
    assert.deepEqual([...p.privileges], [...expected].sort((a, b) => a[0] - b[0]));
    assert.equal(p.message.length, 12 + 2 + Buffer.byteLength(roomId) + 2 + Buffer.byteLength(userId) + 2 + 6 * expected.size);

    const wanted = [...expected.keys()] as PrivilegeId[];
    const deadline = effectiveExpiry(p, wanted);
    const now = deadline === 0 ? u32() : int(deadline + 1);
    const v = verifyToken(token, {
      appKey,
      appId: APP_ID,
      roomId: roomId === '*' ? `any-${i}` : roomId,
      userId,
      now,
      privilege: wanted,
    });
    assert.ok(v.ok, v.ok ? '' : `${v.reason}: ${v.message}`);
    if (deadline !== 0 && deadline < 0xffffffff) {
      const late = verifyToken(token, { appKey, now: deadline + 1, privilege: wanted });
      assert.ok(!late.ok && (late.reason === 'expired' || late.reason === 'privilege-expired'));
    }
  }
});
