/**
 * `GET /metrics`: the Prometheus text exposition. With `--metrics-key K` it needs
 * `Authorization: Bearer K` (Prometheus' `authorization` / `bearer_token` settings); without a
 * key it answers loopback clients only (a Prometheus or an agent on the same machine), as
 * metrics tell how busy the server is and which workers are down; a request relayed by a reverse
 * proxy on the same machine (it carries `X-Forwarded-For` or `Forwarded`, as Caddy and the nginx
 * setup of docs/deploy.md send) does not count as loopback.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/json.ts';
import { bearerMatches } from '../admin/auth.ts';
import type { ServerMetrics } from './prometheus.ts';

/** Path of the metrics endpoint. */
export const METRICS_PATH = '/metrics';

/** Whether a remote address is this machine. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || /^(::ffff:)?127\./.test(addr);
}

/** The `/metrics` handler (a mounted path handler of `http/routes.ts`). */
export function metricsRoute(metrics: ServerMetrics, metricsKey: string | undefined): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    if (url.pathname !== METRICS_PATH) return false;
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) => sendJson(res, status, { error: { code, message } }, headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(405, 'method_not_allowed', `${req.method} not allowed; use GET`, { allow: 'GET, HEAD' });
      return true;
    }
    if (metricsKey !== undefined) {
      if (!bearerMatches(req.headers.authorization, metricsKey)) {
        fail(401, 'unauthorized', 'missing or wrong metrics key: send Authorization: Bearer <metrics key>', { 'www-authenticate': 'Bearer realm="rtcroom metrics"' });
        return true;
      }
    } else if (!isLoopbackAddress(req.socket.remoteAddress) || req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) {
      fail(403, 'forbidden', 'metrics are served to loopback clients only (not through a proxy); start the server with --metrics-key to scrape it from elsewhere');
      return true;
    }
    const { text, contentType } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}
