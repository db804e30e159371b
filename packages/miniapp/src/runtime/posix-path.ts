/**
 * The few POSIX path helpers the runtime needs (the browser has no `node:path`).
 * @module
 */

function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** `dirname`, `join`, `normalize` on project-relative paths (no leading slash). */
export const posix = {
  normalize,
  dirname: (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : ''),
  join: (...parts: string[]): string => normalize(parts.filter(Boolean).join('/')),
};
