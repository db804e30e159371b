import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectNode } from './select-node.ts';
import type { NodeRecord } from './node-record.ts';

function node(id: string, o: { rooms?: number; members?: number; sysload?: number; limit?: number; draining?: boolean } = {}): NodeRecord {
  return {
    id,
    url: `http://127.0.0.1:${id.length}`,
    draining: o.draining ?? false,
    sysloadLimit: o.limit ?? 0.9,
    startedAt: 0,
    updatedAt: 0,
    load: { rooms: o.rooms ?? 0, members: o.members ?? 0, peers: 0, forwardedPps: 0, receivedPps: 0, cpu: 0, sysload: o.sysload ?? 0.1 },
  };
}

test('the fewest rooms wins, then the fewest members, then the node asked, then the id', () => {
  assert.equal(selectNode([node('a', { rooms: 3 }), node('b', { rooms: 1 }), node('c', { rooms: 2 })], 'a')?.id, 'b');
  assert.equal(selectNode([node('a', { rooms: 1, members: 9 }), node('b', { rooms: 1, members: 2 })], 'a')?.id, 'b');
  assert.equal(selectNode([node('a'), node('b'), node('c')], 'b')?.id, 'b');
  assert.equal(selectNode([node('c'), node('b')], 'x')?.id, 'b');
});

test('draining and avoided nodes take no new rooms; none left: undefined', () => {
  assert.equal(selectNode([node('a', { draining: true }), node('b', { rooms: 5 })], 'a')?.id, 'b');
  assert.equal(selectNode([node('a'), node('b', { rooms: 5 })], 'a', new Set(['a']))?.id, 'b');
  assert.equal(selectNode([node('a', { draining: true })], 'a'), undefined);
  assert.equal(selectNode([], 'a'), undefined);
});

test('a node over its sysload limit takes no new room while another is under its own', () => {
  const nodes = [node('a', { sysload: 0.95, limit: 0.9 }), node('b', { rooms: 10, sysload: 0.5 })];
  assert.equal(selectNode(nodes, 'a')?.id, 'b');
  // limits are per node: b's own limit is higher
  assert.equal(selectNode([node('a', { sysload: 2, limit: 0 }), node('b', { sysload: 2, limit: 100, rooms: 4 })], 'a')?.id, 'b');
});

test('every node over its limit: the least loaded one still takes the room', () => {
  const nodes = [node('a', { sysload: 1.5 }), node('b', { sysload: 1.2, rooms: 9 }), node('c', { sysload: 1.2, rooms: 2, draining: true })];
  assert.equal(selectNode(nodes, 'a')?.id, 'b');
});
