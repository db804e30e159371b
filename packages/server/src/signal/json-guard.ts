/**
 * A cheap look at a signaling frame before `JSON.parse` spends time on it: nesting depth is
 * counted in one pass over the text (strings skipped), so a 32,000-deep array is refused in
 * microseconds instead of being parsed and walked.
 * @module
 */

/** The deepest nesting a real signaling message needs (requests are 3–4 levels deep). */
export const MAX_JSON_DEPTH = 16;

/**
 * The nesting depth of JSON `text`, or -1 once it exceeds `max` (the scan stops there).
 * Brackets inside strings do not count; malformed text is left to `JSON.parse`.
 */
export function jsonDepth(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return -1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
