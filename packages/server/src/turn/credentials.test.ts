import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iceServersFor, needsSecret, parseTurnUrls, turnCredential } from './credentials.ts';

test('the REST-API credential: username expiry:userId, password base64 HMAC-SHA1 (vector made with openssl)', () => {
  // echo -n "1700000000:alice" | openssl dgst -sha1 -hmac "test-secret-0123456789" -binary | base64
  const c = turnCredential('test-secret-0123456789', 'alice', 1_699_999_400_500, 600);
  assert.equal(c.username, '1700000000:alice');
  assert.equal(c.credential, 'FPY6T+4BrrRaS5sjkn3qVrYUwhw=');
  assert.equal(c.expiresAt, 1_700_000_000);
});

test('ICE servers: STUN URLs bare, TURN URLs with one fresh credential; TURN needs the secret', () => {
  const turn = { urls: ['stun:s.example:3478', 'turn:t.example:3478', 'turns:t.example:443?transport=tcp'], secret: 'test-secret-0123456789', ttlSeconds: 60 };
  const [stun, relay] = iceServersFor(turn, 'bob', 1_000_000);
  assert.deepEqual(stun, { urls: ['stun:s.example:3478'] });
  assert.deepEqual(relay?.urls, ['turn:t.example:3478', 'turns:t.example:443?transport=tcp']);
  assert.equal(relay?.username, '1060:bob');
  assert.deepEqual(iceServersFor({ ...turn, secret: undefined }, 'bob'), [{ urls: ['stun:s.example:3478'] }]);
  assert.equal(needsSecret(['stun:a']), false);
  assert.equal(needsSecret(['stun:a', 'turns:b']), true);
});

test('--turn-urls: valid forms pass, each malformed one is named', () => {
  assert.deepEqual(parseTurnUrls(' turn:10.0.0.1:3478 , turns:turn.example.com:443?transport=tcp,stun:[::1]:3478,turn:h?transport=udp'), [
    'turn:10.0.0.1:3478',
    'turns:turn.example.com:443?transport=tcp',
    'stun:[::1]:3478',
    'turn:h?transport=udp',
  ]);
  for (const bad of ['http://x', 'turn:', 'turn:h:99999', 'turn:h:3478?transport=sctp', 'stun:h?transport=tcp', 'turns:h?transport=udp', 'turn:h x']) {
    assert.throws(() => parseTurnUrls(bad), (e: Error) => e.message.includes(JSON.stringify(bad.trim())), bad);
  }
});
