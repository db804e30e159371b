/**
 * Serves files from a folder, safely (no path escapes), with content types and caching hints.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Sends `relPath` from `root`, or returns false when there is no such file.
 * `relPath` is URL-decoded by the caller; anything resolving outside `root` is refused.
 */
export async function sendFile(res: ServerResponse, root: string, relPath: string, method: string): Promise<boolean> {
  const clean = normalize(`/${relPath}`).replace(/^[/\\]+/, '');
  const full = join(root, clean || 'index.html');
  if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  let path = full;
  try {
    const st = await stat(path);
    if (st.isDirectory()) path = join(path, 'index.html');
    const body = await readFile(path);
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  } catch {
    return false;
  }
}
