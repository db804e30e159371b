import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeRecord } from './node-record.ts';
import { redact } from './redis-store.ts';

const good = {
  id: 'node-1',
  url: 'https://node1.example.com',
  draining: false,
  sysloadLimit: 0.9,
  startedAt: 1,
  updatedAt: 2,
  load: { rooms: 1, members: 2, peers: 4, forwardedPps: 100, receivedPps: 50, cpu: 0.2, sysload: 0.3 },
};

test('a record read from Redis is checked: malformed or foreign values are ignored', () => {
  assert.deepEqual(parseNodeRecord(JSON.stringify(good)), good);
  assert.equal(parseNodeRecord(null), undefined);
  assert.equal(parseNodeRecord('{not json'), undefined);
  assert.equal(parseNodeRecord(JSON.stringify({ ...good, url: 'not a url' })), undefined);
  assert.equal(parseNodeRecord(JSON.stringify({ ...good, id: 'bad id with spaces' })), undefined);
  assert.equal(parseNodeRecord(JSON.stringify({ ...good, load: { ...good.load, rooms: -1 } })), undefined);
  assert.equal(parseNodeRecord(JSON.stringify({ ...good, draining: 'no' })), undefined);
});

test('a Redis URL in messages hides its password', () => {
  assert.equal(redact('redis://:s3cret@10.0.0.5:6379'), 'redis://:***@10.0.0.5:6379');
  assert.equal(redact('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
});
