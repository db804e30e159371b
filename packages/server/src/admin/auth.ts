/**
 * Admin key checks: `Authorization: Bearer <key>`, compared in constant time.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Keys shorter than this are refused at start (a guessable admin key is no key). */
export const MIN_ADMIN_KEY_LENGTH = 16;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an `Authorization` header carries `Bearer <key>`. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or content of the guess.
 */
export function bearerMatches(header: string | undefined, key: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const given = m?.[1] ?? '';
  // compared even when the header is malformed: no timing difference between the two refusals
  return timingSafeEqual(digest(given), digest(key)) && m !== null;
}
