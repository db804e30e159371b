/**
 * HTTP routes: health, the SDK bundles, the dev token endpoint, the demo and the dashboard.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { idSchema, validate } from '@rtcroom/protocol';
import { AccessToken, Privileges } from '@rtcroom/token';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { sendFile } from './static-files.ts';
import { miniappRoute } from './miniapp-route.ts';
import { readBody, sendJson as json } from './json.ts';
import type { MediaTotals, WorkerHealth } from '../workers/worker-pool.ts';
import { mediaPorts } from '../media/transport/shared-port.ts';
import type { ClusterView } from '../cluster/cluster.ts';
import type { SendPathHealth } from '../media/native/send-path.ts';

/** Live figures shown by `/healthz`. */
export interface HealthSource {
  rooms(): number;
  members(): number;
  sessions(): number;
  /** Live media objects and packet totals (this process's, or summed over the media workers). */
  media(): MediaTotals;
  /** Per media worker figures, when media runs on workers. */
  workers?: (() => WorkerHealth[]) | undefined;
  /** The cluster as this node sees it (`--redis`). */
  cluster?: (() => ClusterView) | undefined;
  /** The media send path (`native` or `js`) of this process; its workers chose the same way. */
  sendPath: () => SendPathHealth;
}

const devTokenSchema = z.object({
  roomId: idSchema,
  userId: idSchema,
  /** Token life in seconds (default 24 h, at most 7 days as Volcengine's console tokens). */
  expireSeconds: z.number().int().min(1).max(7 * 86400).optional(),
  /** Grant the publish privilege (default true). */
  publish: z.boolean().optional(),
  /** Grant the subscribe privilege (default true). */
  subscribe: z.boolean().optional(),
});

/** Where the operator's dashboard is served. */
export const DASHBOARD_PATH = '/dashboard';

/** A handler of a group of paths: answers and returns true, or returns false (not its path). */
export type PathHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/**
 * Builds the request handler of the HTTP server.
 * @param mounted handlers tried first, in order (the admin API, metrics)
 */
export function createRoutes(config: ServerConfig, health: HealthSource, log: Logger, mounted: readonly PathHandler[] = []) {
  const started = Date.now();
  const miniapp = miniappRoute(config.miniappDir);

  async function devToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const dev = config.devApp;
    if (!dev) return json(res, 404, { error: 'dev token endpoint is off: apps are configured' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, 4096));
    } catch (e) {
      return json(res, 400, { error: `body must be JSON {roomId, userId}: ${(e as Error).message}` });
    }
    const v = validate(devTokenSchema, body, 'body');
    if (!v.ok) return json(res, 400, { error: v.detail });
    const now = Math.floor(Date.now() / 1000);
    const expireAt = now + (v.value.expireSeconds ?? 86400);
    const t = new AccessToken(dev.appId, dev.appKey, v.value.roomId, v.value.userId);
    t.expireTime(expireAt);
    if (v.value.publish !== false) t.addPrivilege(Privileges.PublishStream, expireAt);
    if (v.value.subscribe !== false) t.addPrivilege(Privileges.SubscribeStream, expireAt);
    json(res, 200, { token: t.serialize(), appId: dev.appId, roomId: v.value.roomId, userId: v.value.userId, expireAt });
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    try {
      for (const h of mounted) if (await h(req, res, url)) return;
      if (url.pathname === '/healthz' && (method === 'GET' || method === 'HEAD')) {
        return json(res, 200, {
          status: 'ok',
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
          rooms: health.rooms(),
          members: health.members(),
          sessions: health.sessions(),
          media: { ...health.media(), ...mediaPorts(config.media), sendPath: health.sendPath() },
          ...(health.workers ? { workers: health.workers() } : {}),
          ...(health.cluster ? { cluster: health.cluster() } : {}),
        });
      }
      if (url.pathname === '/api/dev/token') {
        if (method !== 'POST') return json(res, 405, { error: 'use POST' });
        return await devToken(req, res);
      }
      if (url.pathname === '/api/dev/config' && method === 'GET') {
        if (!config.devApp) return json(res, 404, { error: 'not in dev mode' });
        return json(res, 200, { appId: config.devApp.appId, devMode: true });
      }
      if (method !== 'GET' && method !== 'HEAD') return json(res, 405, { error: `${method} not allowed` });
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return json(res, 400, { error: 'malformed URL encoding' });
      }
      if (path.startsWith('/sdk/')) {
        if (await sendFile(res, config.sdkDir, path.slice('/sdk/'.length), method)) return;
        return json(res, 404, { error: `no ${path}; build the SDK with "npm run build"` });
      }
      if (await miniapp(res, path, method)) return;
      if (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`)) {
        if (await sendFile(res, config.dashboardDir, path.slice(DASHBOARD_PATH.length), method)) return;
        return json(res, 404, { error: `no ${path}; build the dashboard with "npm run build"` });
      }
      if (await sendFile(res, config.demoDir, path, method)) return;
      json(res, 404, { error: `not found: ${path}` });
    } catch (e) {
      log.error('http handler failed', { path: url.pathname, err: e });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}
