import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRoute, type AdminRoute } from './route-table.ts';
import { AdminError } from './errors.ts';

const routes: AdminRoute[] = [
  { method: 'GET', path: '/api/v1/apps/{appId}/rooms', run: () => 'list' },
  { method: 'DELETE', path: '/api/v1/apps/{appId}/rooms/{roomId}', run: () => 'close' },
];

test('matchRoute finds the route and decodes its parameters', () => {
  const m = matchRoute(routes, 'DELETE', '/api/v1/apps/a1/rooms/r%40x');
  assert.ok(m.route);
  assert.equal(m.route.path, '/api/v1/apps/{appId}/rooms/{roomId}');
  assert.deepEqual(m.params, { appId: 'a1', roomId: 'r@x' });
});

test('matchRoute: another method lists the allowed ones; an unknown path none', () => {
  assert.deepEqual(matchRoute(routes, 'POST', '/api/v1/apps/a1/rooms'), { route: undefined, allowed: ['GET'] });
  assert.deepEqual(matchRoute(routes, 'GET', '/api/v1/apps/a1/rooms/'), { route: undefined, allowed: [] });
  assert.deepEqual(matchRoute(routes, 'GET', '/api/v1/apps//rooms'), { route: undefined, allowed: [] });
  assert.throws(() => matchRoute(routes, 'DELETE', '/api/v1/apps/a1/rooms/%E0%A4%A'), (e) => e instanceof AdminError && e.code === 'bad_request');
});
