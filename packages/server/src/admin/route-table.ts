/**
 * The admin API's routes as data: method, OpenAPI path template, handler. The same table answers
 * requests and is checked against the OpenAPI document, so the two cannot drift apart.
 * @module
 */
import { AdminError } from './errors.ts';

/** HTTP methods the admin API uses. */
export type AdminMethod = 'GET' | 'POST' | 'DELETE';

/** What a handler gets. */
export interface AdminRequest {
  /** Path parameters by name, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The body, read on demand (bounded). */
  body(): Promise<string>;
  /** Cluster: the request was forwarded by another node (answer for this node alone). */
  forwarded?: boolean;
}

/** One route. */
export interface AdminRoute {
  method: AdminMethod;
  /** Path under the server root, with `{name}` parameters, exactly as in the OpenAPI document. */
  path: string;
  /** The JSON answer (status 200), or an {@link AdminError}. */
  run(req: AdminRequest): unknown;
}

/** A route matched to a path. */
export type RouteMatch = { route: AdminRoute; params: Record<string, string> } | { route: undefined; allowed: AdminMethod[] };

/** Matches `template` against `segments`; the parameters, or undefined. */
function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i]!;
    const s = segments[i]!;
    if (t.startsWith('{') && t.endsWith('}')) {
      if (s === '') return undefined;
      try {
        params[t.slice(1, -1)] = decodeURIComponent(s);
      } catch {
        throw new AdminError('bad_request', `malformed percent-encoding in ${t.slice(1, -1)}`);
      }
    } else if (t !== s) return undefined;
  }
  return params;
}

/**
 * Finds the route for `method` and `pathname`. No route with that path: `allowed` is empty (404);
 * routes with that path but another method: `allowed` lists their methods (405).
 */
export function matchRoute(routes: readonly AdminRoute[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split('/');
  const allowed: AdminMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return { route: undefined, allowed };
}
