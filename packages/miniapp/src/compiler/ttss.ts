/**
 * TTSS (Douyin's stylesheet dialect, WeChat's WXSS alike) to CSS: `@import` inlined, `rpx`
 * turned into a share of the viewport width (750 rpx = the width). The `page` selector and the
 * component type selectors (`view`, `text`, …) work as written: the runtime renders elements of
 * those names.
 * @module
 */
import { posix } from 'node:path';
import { convertRpx } from '../runtime/rpx.ts';

export { convertRpx };

/** Reads a project file (project-relative path); undefined when it does not exist. */
export type ReadFile = (path: string) => string | undefined;

/** A stylesheet that cannot be compiled (a missing or circular `@import`). */
export class TtssError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TtssError';
  }
}

/** Compiles the stylesheet at `path` with its imports. */
export function compileTtss(path: string, read: ReadFile, seen: string[] = []): string {
  if (seen.includes(path)) throw new TtssError(`${seen.at(-1)}: circular @import of ${path}`);
  const src = read(path);
  if (src === undefined) throw new TtssError(seen.length ? `${seen.at(-1)}: @import of missing file ${path}` : `missing stylesheet ${path}`);
  const noComments = src.replace(/\/\*[\s\S]*?\*\//g, '');
  const inlined = noComments.replace(/@import\s+(?:url\()?\s*["']([^"']+)["']\s*\)?\s*;/g, (_, rel: string) => {
    const target = posix.normalize(rel.startsWith('/') ? rel.slice(1) : posix.join(posix.dirname(path), rel));
    return compileTtss(target, read, [...seen, path]);
  });
  return convertRpx(inlined);
}
