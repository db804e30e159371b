// TURN credentials against a real coturn on loopback: what the server mints in its join reply
// gets a relay over UDP, TCP and TLS; a forged password, an expired credential and one minted
// with another secret are refused with 401.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeAllocation, turnUrlTarget } from '../../packages/server/src/turn/allocation-probe.ts';
import { iceServersFor, turnCredential, type TurnConfig } from '../../packages/server/src/turn/credentials.ts';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { serverWithClients } from '../helpers/clients.ts';
import { APP, mintToken } from '../helpers/server.ts';

describe('TURN credentials with coturn', () => {
  let turn: Coturn;
  // the server's TURN configuration: filled in once coturn runs, changed by the last test
  const turnConfig: TurnConfig = { urls: [], secret: undefined, ttlSeconds: 600 };
  const urls = (): string[] => [`turn:127.0.0.1:${turn.port}`, `turn:127.0.0.1:${turn.port}?transport=tcp`, `turns:127.0.0.1:${turn.tlsPort}?transport=tcp`];
  before(async () => {
    turn = await startCoturn({ listenIps: ['127.0.0.1'], relayIp: '127.0.0.1', tls: true, allowLoopbackPeers: true });
    Object.assign(turnConfig, { urls: urls(), secret: turn.secret });
  });
  after(() => turn?.stop());
  const f = serverWithClients({ turn: turnConfig });

  test('the join reply carries a credential coturn accepts over UDP, TCP and TLS', async () => {
    const c = await f.connect();
    const r = await c.request('joinRtcRoom', { appId: APP.appId, roomId: 'turn1', userId: 'alice', token: mintToken('turn1', 'alice') });
    const servers = r.result?.iceServers as { urls: string[]; username: string; credential: string }[];
    assert.equal(servers.length, 1);
    assert.deepEqual(servers[0]!.urls, urls());
    const [expiry, user] = servers[0]!.username.split(':');
    assert.equal(user, 'alice');
    const left = Number(expiry) - Date.now() / 1000;
    assert.ok(left > 590 && left <= 600, `expires in ${left} s`);
    for (const url of urls()) {
      const target = turnUrlTarget(url)!;
      const res = await probeAllocation({ ...target, username: servers[0]!.username, password: servers[0]!.credential, insecureTls: true });
      assert.ok(res.ok, `${url}: ${JSON.stringify(res)}`);
      assert.match(res.relayedAddress, /^127\.0\.0\.1:\d+$/);
    }
  });

  test('forged, expired and foreign credentials are refused (401)', async () => {
    const target = turnUrlTarget(urls()[1]!)!;
    const good = turnCredential(turn.secret, 'bob', Date.now(), 600);
    const tries: [string, string, string][] = [
      ['forged password', good.username, Buffer.from('not the hmac').toString('base64')],
      ['a longer lifetime claimed with the old password', good.username.replace(/^\d+/, (e) => String(Number(e) + 3600)), good.credential],
      ['expired', ...((c) => [c.username, c.credential] as [string, string])(turnCredential(turn.secret, 'bob', Date.now() - 3600_000, 600))],
      ['minted with another secret', ...((c) => [c.username, c.credential] as [string, string])(turnCredential('some-other-secret-0123', 'bob', Date.now(), 600))],
    ];
    for (const [what, username, password] of tries) {
      const res = await probeAllocation({ ...target, username, password });
      assert.equal(res.ok, false, `${what} was accepted`);
      assert.equal(!res.ok && res.code, 401, `${what}: ${JSON.stringify(res)}`);
    }
    // and the genuine one still works on the same server
    assert.ok((await probeAllocation({ ...target, username: good.username, password: good.credential })).ok);
  });

  test('without TURN configured the join reply has no ICE servers; STUN URLs come without credentials', async () => {
    assert.deepEqual(iceServersFor({ urls: [], secret: undefined, ttlSeconds: 600 }, 'x'), []);
    assert.deepEqual(iceServersFor({ urls: ['stun:127.0.0.1:3478'], secret: undefined, ttlSeconds: 600 }, 'x'), [{ urls: ['stun:127.0.0.1:3478'] }]);
    Object.assign(turnConfig, { urls: [], secret: undefined });
    const c = await f.connect();
    const r = await c.request('joinRtcRoom', { appId: APP.appId, roomId: 'turn2', userId: 'carol', token: mintToken('turn2', 'carol') });
    assert.deepEqual(r.result?.iceServers, []);
  });
});
