// The pure parts of the signaling, media and TURN checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainFailure, mappedAddressHint, permissionProblem, stunUrlTarget } from './ice-servers.ts';
import { rangeCapacity, samplePorts } from './media-ports.ts';
import { probeHost, summarizeHealth } from './signaling.ts';

test('healthz summary: rtcroom\'s JSON in one line, anything else undefined; wildcard hosts probed on loopback', () => {
  assert.equal(
    summarizeHealth({ status: 'ok', uptimeSeconds: 7300, rooms: 2, members: 5, sessions: 6, media: { peers: 9, producers: 3 } }),
    'up 2 h, 2 rooms, 5 members, 6 sessions, 9 media connections',
  );
  assert.equal(summarizeHealth({ status: 'ok', uptimeSeconds: 59 }), 'up 59 s');
  for (const other of [undefined, null, 'ok', { status: 'down' }, { healthy: true }]) assert.equal(summarizeHealth(other), undefined);
  assert.equal(probeHost('0.0.0.0'), '127.0.0.1');
  assert.equal(probeHost('::'), '::1');
  assert.equal(probeHost('10.0.0.5'), '10.0.0.5');
});

test('port samples: whole small ranges, ends and an even spread of big ones; capacity per member', () => {
  assert.deepEqual(samplePorts(50000, 50003), [50000, 50001, 50002, 50003]);
  const s = samplePorts(10000, 59999);
  assert.equal(s.length, 16);
  assert.equal(s[0], 10000);
  assert.equal(s.at(-1), 59999);
  assert.deepEqual([...s].sort((a, b) => a - b), s);
  assert.deepEqual(samplePorts(40000, 40000), [40000]);
  assert.equal(rangeCapacity(101, 1), 50);
  assert.equal(rangeCapacity(1000, 2), 250);
  assert.equal(rangeCapacity(10, 0), 5);
});

test('probe failures in operator terms', () => {
  const udp = { host: 'turn.example.com', port: 3478, transport: 'udp' as const };
  const tls = { host: '203.0.113.1', port: 443, transport: 'tls' as const };
  assert.match(explainFailure(udp, { error: 'refused: 401 Unauthorized', code: 401 }, 3000), /^401 Unauthorized: the secret does not match coturn's static-auth-secret/);
  assert.equal(explainFailure(udp, { error: 'refused: 486 Allocation Quota Reached', code: 486 }, 3000), 'refused: 486 Allocation Quota Reached');
  assert.match(explainFailure(udp, { error: 'no answer', cause: 'timeout' }, 3000), /^nothing answers at turn\.example\.com:3478 over UDP \(no answer in 3 s/);
  assert.match(explainFailure({ ...udp, transport: 'tcp' }, { error: 'connect ECONNREFUSED', cause: 'ECONNREFUSED' }, 3000), /^nothing answers at turn\.example\.com:3478 over TCP \(connection refused/);
  assert.equal(explainFailure(udp, { error: 'getaddrinfo ENOTFOUND', cause: 'ENOTFOUND' }, 3000), 'cannot resolve turn.example.com (DNS)');
  assert.match(explainFailure(tls, { error: 'self-signed certificate', cause: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 3000), /^TLS certificate not accepted \(self-signed certificate\).*--insecure-tls/);
  assert.match(explainFailure(tls, { error: "Hostname/IP does not match certificate's altnames", cause: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 3000), /^TLS certificate not accepted/);
  assert.match(explainFailure(tls, { error: 'wrong version number', cause: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 3000), /^TLS handshake with 203\.0\.113\.1:443 failed .*is TLS served on this port\?$/);
  assert.equal(explainFailure(udp, { error: 'something odd' }, 3000), 'something odd');
});

test('relay permissions: none refused is fine; some or all refused say which and what to allow', () => {
  assert.equal(permissionProblem([]), undefined);
  assert.equal(permissionProblem([{ peer: '10.0.0.5', ok: true }]), undefined);
  const some = permissionProblem([
    { peer: '10.0.0.5', ok: false, error: 'refused: 403 Forbidden IP', code: 403 },
    { peer: '203.0.113.7', ok: true },
  ]);
  assert.equal(some?.allRefused, false);
  assert.match(some!.text, /^relaying to this server's media address 10\.0\.0\.5 refused \(refused: 403 Forbidden IP\): coturn's denied-peer-ip .* add allowed-peer-ip=10\.0\.0\.5$/);
  const all = permissionProblem([{ peer: '10.0.0.5', ok: false, error: 'refused: 403 Forbidden IP', code: 403 }]);
  assert.equal(all?.allRefused, true);
});

test('the address a STUN/TURN server sees: a hint only when it is public and not ours or the announced one', () => {
  const local = new Set(['10.0.0.5', '127.0.0.1']);
  assert.equal(mappedAddressHint('stun:s', '10.0.0.5:5000', undefined, local), undefined);
  assert.equal(mappedAddressHint('stun:s', '127.0.0.1:5000', undefined, local), undefined);
  assert.equal(mappedAddressHint('stun:s', '8.8.8.8:5000', '8.8.8.8', local), undefined);
  assert.equal(mappedAddressHint('stun:s', undefined, undefined, local), undefined);
  assert.match(mappedAddressHint('stun:s', '8.8.8.8:5000', undefined, local)!.text, /sees this machine as 8\.8\.8\.8.*give --announced-ip 8\.8\.8\.8/);
  assert.match(mappedAddressHint('stun:s', '8.8.8.8:5000', '9.9.9.9', local)!.text, /sees this machine as 8\.8\.8\.8, but --announced-ip is 9\.9\.9\.9$/);
});

test('stun: URL targets', () => {
  assert.deepEqual(stunUrlTarget('stun:stun.example.com'), { host: 'stun.example.com', port: 3478, transport: 'udp' });
  assert.deepEqual(stunUrlTarget('stun:[::1]:3479'), { host: '::1', port: 3479, transport: 'udp' });
  assert.deepEqual(stunUrlTarget('stuns:s.example.com'), { host: 's.example.com', port: 5349, transport: 'tls' });
  assert.equal(stunUrlTarget('turn:t.example.com'), undefined);
});
