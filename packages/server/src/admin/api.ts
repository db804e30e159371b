/**
 * The admin REST API under `/api/v1/`: the key check, the route table, JSON answers and errors.
 * Mounted by `http/routes.ts`; runs in the main process, where room state lives.
 * @module
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { readBody, sendJson } from '../http/json.ts';
import { bearerMatches } from './auth.ts';
import { AdminError, sendAdminError } from './errors.ts';
import { OPENAPI_DOCUMENT, OPENAPI_PATH } from './openapi.ts';
import { matchRoute, type AdminRoute } from './route-table.ts';
import { RoomsApi, type RoomPath, type RoomsDeps } from './rooms.ts';
import { FileAnswer, RecordingsApi, type RecordingPath, type RecordingsDeps } from './recordings.ts';
import { FORWARDED_HEADER, type ClusterAdmin } from './cluster-admin.ts';
import { usageReport, type UsageSource } from './usage.ts';
import { MAX_ADMIN_BODY, checkApp, usageWindow } from './validation.ts';

/** Prefix of every admin route. */
export const ADMIN_PREFIX = '/api/v1/';

/** What the admin API needs. */
export interface AdminDeps extends RoomsDeps, RecordingsDeps {
  /** The admin key; undefined turns the API off. */
  key: string | undefined;
  /** Usage records, when kept. */
  usage: UsageSource | undefined;
  /** Cluster (`--redis`): answers for every node. */
  cluster?: ClusterAdmin | undefined;
  log: Logger;
}

const recPath = (params: Record<string, string>): RecordingPath => ({ appId: params.appId ?? '', roomId: params.roomId, id: params.id, name: params.name });
const path = (params: Record<string, string>): RoomPath => ({ appId: params.appId ?? '', roomId: params.roomId, userId: params.userId });

/** The routes, bound to their handlers. */
export function adminRoutes(d: AdminDeps): AdminRoute[] {
  const rooms = new RoomsApi(d);
  const rec = new RecordingsApi(d);
  const recordings = '/api/v1/apps/{appId}/rooms/{roomId}/recordings';
  return [
    { method: 'GET', path: '/api/v1/apps', run: () => rooms.apps() },
    {
      method: 'GET',
      path: '/api/v1/apps/{appId}/rooms',
      run: (r) => {
        const local = rooms.list(path(r.params));
        return d.cluster && !r.forwarded ? d.cluster.list(r.params.appId ?? '', local.rooms) : local;
      },
    },
    { method: 'DELETE', path: '/api/v1/apps/{appId}/rooms/{roomId}', run: (r) => rooms.close(path(r.params)) },
    { method: 'GET', path: '/api/v1/apps/{appId}/rooms/{roomId}/members', run: (r) => rooms.members(path(r.params)) },
    { method: 'POST', path: '/api/v1/apps/{appId}/rooms/{roomId}/members/{userId}/kick', run: async (r) => rooms.kick(path(r.params), await r.body()) },
    { method: 'POST', path: '/api/v1/apps/{appId}/rooms/{roomId}/members/{userId}/mute', run: async (r) => rooms.mute(path(r.params), await r.body()) },
    { method: 'POST', path: recordings, run: async (r) => rec.start(recPath(r.params), await r.body()) },
    { method: 'GET', path: recordings, run: (r) => rec.list(recPath(r.params)) },
    { method: 'GET', path: `${recordings}/{id}`, run: (r) => rec.get(recPath(r.params)) },
    { method: 'POST', path: `${recordings}/{id}/stop`, run: (r) => rec.stop(recPath(r.params)) },
    { method: 'GET', path: `${recordings}/{id}/files/{name}`, run: (r) => rec.file(recPath(r.params)) },
    {
      method: 'GET',
      path: '/api/v1/apps/{appId}/usage',
      run: (r) => {
        const appId = checkApp(d.apps, r.params.appId ?? '');
        if (!d.usage) throw new AdminError('usage_disabled', 'usage records are off on this server');
        const { from, to } = usageWindow(r.query);
        return usageReport(d.usage, appId, from, to);
      },
    },
  ];
}

/**
 * Builds the admin request handler. It answers every path under `/api/v1/` and returns false for
 * others (they are not its business).
 */
export function createAdminApi(d: AdminDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const routes = adminRoutes(d);
  return async (req, res, url) => {
    if (!url.pathname.startsWith(ADMIN_PREFIX)) return false;
    const method = req.method ?? 'GET';
    try {
      if (url.pathname === OPENAPI_PATH) {
        if (method !== 'GET') throw new AdminError('method_not_allowed', `${method} not allowed; use GET`);
        sendJson(res, 200, OPENAPI_DOCUMENT);
        return true;
      }
      if (d.key === undefined) throw new AdminError('admin_api_disabled', 'the admin API is off: start the server with --admin-key or RTCROOM_ADMIN_KEY');
      if (!bearerMatches(req.headers.authorization, d.key)) {
        sendAdminError(res, new AdminError('unauthorized', 'missing or wrong admin key: send Authorization: Bearer <admin key>'), { 'www-authenticate': 'Bearer realm="rtcroom"' });
        return true;
      }
      const m = matchRoute(routes, method, url.pathname);
      if (!m.route) {
        if (m.allowed.length === 0) throw new AdminError('not_found', `no admin route ${url.pathname}`);
        sendAdminError(res, new AdminError('method_not_allowed', `${method} not allowed; use ${m.allowed.join(', ')}`), { allow: m.allowed.join(', ') });
        return true;
      }
      let read: Promise<string> | undefined;
      // read once (a cluster node may need it before the handler does)
      const body = (): Promise<string> =>
        (read ??= readBody(req, MAX_ADMIN_BODY).catch((e: unknown) => {
          throw new AdminError('bad_request', (e as Error).message);
        }));
      const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
      // cluster: a request about a room held by another node is answered by that node
      const { appId, roomId } = m.params;
      if (d.cluster && !forwarded && appId !== undefined && roomId !== undefined) {
        checkApp(d.apps, appId);
        const relayed = await d.cluster.relay(appId, roomId, { method, target: url.pathname + url.search, authorization: req.headers.authorization, body: await body() });
        if (relayed) {
          d.log.info('admin request forwarded', { method, path: m.route.path, node: relayed.node, status: relayed.status, ...m.params });
          res.writeHead(relayed.status, { 'content-type': relayed.contentType, 'content-length': relayed.body.length, 'cache-control': 'no-store' });
          res.end(relayed.body);
          return true;
        }
      }
      const result = await m.route.run({ params: m.params, query: url.searchParams, body, forwarded });
      d.log.info('admin request', { method, path: m.route.path, ...m.params, ...(forwarded ? { forwardedBy: String(req.headers[FORWARDED_HEADER]).slice(0, 64) } : {}) });
      if (result instanceof FileAnswer) sendFile(res, result);
      else sendJson(res, 200, result);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
      } else if (e instanceof AdminError) {
        sendAdminError(res, e);
      } else {
        d.log.error('admin request failed', { method, path: url.pathname, err: e });
        sendAdminError(res, new AdminError('internal', 'internal error (logged)'));
      }
    }
    return true;
  };
}

/** Streams a recording file (a download: `Content-Disposition: attachment`). */
function sendFile(res: ServerResponse, a: FileAnswer): void {
  const { path, size, file } = a.ref;
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': size,
    'content-disposition': `attachment; filename="${file.name.replace(/[^\w.@-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  if (size === 0) return void res.end();
  // the length read now: a file still being written is sent as far as it was
  const stream = createReadStream(path, { start: 0, end: size - 1 });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
