/**
 * `/miniapp/`: the mini-program project given by `--miniapp DIR`, compiled on request (cached
 * until one of its files changes) with the runtime and SDK bundled.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { MiniappSite } from '@rtcroom/miniapp';

/** Serves `/miniapp/…` from `dir` (404 for what the site does not have); the handler answers false for other paths. */
export function miniappRoute(dir: string | undefined): (res: ServerResponse, path: string, method: string) => Promise<boolean> {
  let site: Promise<MiniappSite> | undefined;
  return async (res, path, method) => {
    if (!dir || (path !== '/miniapp' && !path.startsWith('/miniapp/'))) return false;
    if (path === '/miniapp') {
      res.writeHead(301, { location: '/miniapp/' });
      res.end();
      return true;
    }
    // loaded on first use: the compiler pulls in esbuild
    site ??= import('@rtcroom/miniapp').then((m) => new m.MiniappSite(dir));
    const file = await (await site).get(path.slice('/miniapp/'.length));
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(method === 'HEAD' ? undefined : `not found: ${path} (sources are served compiled, in project.js)`);
      return true;
    }
    const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
    res.writeHead(file.status, { 'content-type': file.type, 'content-length': body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}
