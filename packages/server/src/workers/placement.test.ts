import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScore, pickWorker, PEER_WEIGHT_PPS, type PlacementCandidate } from './placement.ts';

const idle = (index: number, o: Partial<PlacementCandidate> = {}): PlacementCandidate => ({ index, ready: true, pps: 0, peers: 0, members: 0, rooms: 0, ...o });

test('the least loaded worker by packets/s wins, whatever its index', () => {
  assert.equal(pickWorker([idle(0, { pps: 5000, peers: 4, members: 2, rooms: 1 }), idle(1, { pps: 200, peers: 4, members: 2, rooms: 1 })]), 1);
  assert.equal(pickWorker([idle(0, { pps: 100 }), idle(1, { pps: 3000 }), idle(2, { pps: 900 })]), 0);
});

test('peers weigh when packet rates are equal: many idle connections are load too', () => {
  assert.equal(pickWorker([idle(0, { pps: 1000, peers: 40 }), idle(1, { pps: 1000, peers: 4 })]), 1);
  // 30 peers of silence outweigh 1000 pkt/s of one busy call
  assert.ok(loadScore(idle(0, { peers: 30 })) > loadScore(idle(1, { pps: 1000, peers: 2 })));
});

test('not round robin: a new room goes to the emptier worker again and again', () => {
  const w = [idle(0, { pps: 8000, peers: 40, members: 20, rooms: 2 }), idle(1, { pps: 500, peers: 4, members: 2, rooms: 3 })];
  for (let i = 0; i < 3; i++) {
    const at = pickWorker(w)!;
    assert.equal(at, 1);
    w[at]!.rooms++;
    w[at]!.members += 2;
  }
});

test('members placed since the last report stand in for peers not reported yet', () => {
  // worker 0 just got a room of 3 members (no report yet: 0 peers); worker 1 reported 2 peers
  const w = [idle(0, { members: 3, rooms: 1 }), idle(1, { peers: 2, members: 1, rooms: 1 })];
  assert.equal(pickWorker(w), 1);
  assert.equal(loadScore(w[0]!), 6 * PEER_WEIGHT_PPS + 1);
});

test('two empty rooms created back to back land on different workers', () => {
  const w = [idle(0), idle(1)];
  const first = pickWorker(w)!;
  assert.equal(first, 0, 'ties go to the lower index');
  w[first]!.rooms++;
  w[first]!.members++;
  assert.equal(pickWorker(w), 1);
});

test('only ready workers are candidates; none ready gives undefined', () => {
  assert.equal(pickWorker([idle(0, { ready: false }), idle(1, { pps: 99_999 })]), 1);
  assert.equal(pickWorker([idle(0, { ready: false })]), undefined);
  assert.equal(pickWorker([]), undefined);
});

test('equal scores: fewer rooms first, then the lower index', () => {
  assert.equal(pickWorker([idle(0, { pps: 2, rooms: 1 }), idle(1, { pps: 3, rooms: 0 })]), 1);
  assert.equal(pickWorker([idle(3), idle(2)]), 2);
});
