/**
 * Test vectors V1–V5 from the format spec (shared by the tests; not part of the public API).
 *
 * @packageDocumentation
 */
import { AccessToken } from './access-token.ts';
import type { PrivilegeId } from './format.ts';

/** One known-answer vector. */
export interface TokenVector {
  /** Vector name (V1…V5). */
  readonly name: string;
  /** Room id. */
  readonly roomId: string;
  /** User id. */
  readonly userId: string;
  /** Nonce. */
  readonly nonce: number;
  /** Issue time. */
  readonly issuedAt: number;
  /** Value passed to `expireTime`, or `undefined` if it is not called. */
  readonly expireTime: number | undefined;
  /** `addPrivilege` calls, in order. */
  readonly adds: ReadonlyArray<readonly [PrivilegeId, number]>;
  /** Expected signed message. */
  readonly msgHex: string;
  /** Expected signature, where the spec gives it. */
  readonly sigHex?: string;
  /** Expected content, where the spec gives it. */
  readonly contentHex?: string;
  /** Expected token string. */
  readonly token: string;
}

/** AppId shared by all vectors. */
export const APP_ID = '123456781234567812345678';
/** AppKey shared by all vectors. */
export const APP_KEY = 'app_key_for_test';

/** V1–V5 from the spec, section 6. */
export const VECTORS: readonly TokenVector[] = [
  {
    name: 'V1',
    roomId: 'room1',
    userId: 'user1',
    nonce: 12345678,
    issuedAt: 1700000000,
    expireTime: 1700086400,
    adds: [[0, 1700086400], [4, 1700086400]],
    msgHex:
      '4e61bc0000f15365804255650500726f6f6d31050075736572310500000080425565010080425565020080425565030080425565040080425565',
    sigHex: 'ca8fcbdfab35fe3495cfe7c3345279155d941ce34ed3b1b75ca00f94c700ade2',
    contentHex:
      '3a004e61bc0000f15365804255650500726f6f6d310500757365723105000000804255650100804255650200804255650300804255650400804255652000ca8fcbdfab35fe3495cfe7c3345279155d941ce34ed3b1b75ca00f94c700ade2',
    token:
      '001123456781234567812345678OgBOYbwAAPFTZYBCVWUFAHJvb20xBQB1c2VyMQUAAACAQlVlAQCAQlVlAgCAQlVlAwCAQlVlBACAQlVlIADKj8vfqzX+NJXP58M0UnkVXZQc407TsbdcoA+UxwCt4g==',
  },
  {
    name: 'V2',
    roomId: 'room1',
    userId: 'user1',
    nonce: 12345678,
    issuedAt: 1700000000,
    expireTime: undefined,
    adds: [[4, 0], [0, 0]],
    msgHex:
      '4e61bc0000f15365000000000500726f6f6d31050075736572310500000000000000010000000000020000000000030000000000040000000000',
    token:
      '001123456781234567812345678OgBOYbwAAPFTZQAAAAAFAHJvb20xBQB1c2VyMQUAAAAAAAAAAQAAAAAAAgAAAAAAAwAAAAAABAAAAAAAIAAIBPt2EAFX2h7+9BmzdwGfZ5fTinjB7ueBAjF8+T/Xog==',
  },
  {
    name: 'V3',
    roomId: 'room1',
    userId: 'user1',
    nonce: 1,
    issuedAt: 1700000000,
    expireTime: undefined,
    adds: [],
    msgHex: '0100000000f15365000000000500726f6f6d31050075736572310000',
    sigHex: '1d841b37788a0f28e77984b14633b2db77653e9885790394daa9dca512315036',
    contentHex:
      '1c000100000000f15365000000000500726f6f6d3105007573657231000020001d841b37788a0f28e77984b14633b2db77653e9885790394daa9dca512315036',
    token:
      '001123456781234567812345678HAABAAAAAPFTZQAAAAAFAHJvb20xBQB1c2VyMQAAIAAdhBs3eIoPKOd5hLFGM7Lbd2U+mIV5A5TaqdylEjFQNg==',
  },
  {
    name: 'V4',
    roomId: 'room_测试',
    userId: 'user-é',
    nonce: 99999999,
    issuedAt: 1700000000,
    expireTime: 1700003600,
    adds: [[4, 1700003600]],
    msgHex: 'ffe0f50500f1536510ff53650b00726f6f6d5fe6b58be8af950700757365722dc3a90100040010ff5365',
    token:
      '001123456781234567812345678KgD/4PUFAPFTZRD/U2ULAHJvb21f5rWL6K+VBwB1c2VyLcOpAQAEABD/U2UgAPW5YUqXInA8UQp3Qt8MpTbHTewi4oY2+qzYB3+RBmoU',
  },
  {
    name: 'V5',
    roomId: '*',
    userId: 'user1',
    nonce: 42,
    issuedAt: 1700000000,
    expireTime: 1700086400,
    adds: [[0, 0], [4, 0]],
    msgHex:
      '2a00000000f153658042556501002a050075736572310500000000000000010000000000020000000000030000000000040000000000',
    token:
      '001123456781234567812345678NgAqAAAAAPFTZYBCVWUBACoFAHVzZXIxBQAAAAAAAAABAAAAAAACAAAAAAADAAAAAAAEAAAAAAAgAElWuSuFqPXPalwlQQ6MxvaW+Nq6ZUvWhobgErecB/sy',
  },
];

/** Build the token described by a vector with the builder API. */
export function buildVector(v: TokenVector, appKey: string = APP_KEY): AccessToken {
  const t = new AccessToken(APP_ID, appKey, v.roomId, v.userId);
  t.nonce = v.nonce;
  t.issuedAt = v.issuedAt;
  if (v.expireTime !== undefined) t.expireTime(v.expireTime);
  for (const [id, exp] of v.adds) t.addPrivilege(id, exp);
  return t;
}

/** Deterministic PRNG (mulberry32): returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
