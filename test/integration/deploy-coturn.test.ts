// deploy/coturn/turnserver.conf as the deployment guide ships it, run by a real coturn on loopback:
// only the host-specific lines (listeners, external-ip, certificate, log) are replaced. Its
// secret gets allocations over UDP, TCP and TLS, and its peer rules refuse private, loopback,
// link-local, CGNAT and reserved peers but allow rtcroom's own private address and public ones.
// CreatePermission sends nothing to the peer, so no packet leaves loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeAllocation } from '../../packages/server/src/turn/allocation-probe.ts';
import { turnCredential } from '../../packages/server/src/turn/credentials.ts';
import { freePort } from '../helpers/coturn.ts';

const CONF = fileURLToPath(new URL('../../deploy/coturn/turnserver.conf', import.meta.url));
const HOST_SPECIFIC = /^(listening-ip|relay-ip|external-ip|listening-port|tls-listening-port|cert|pkey|log-file|pidfile|userdb)=/;

describe('deploy/coturn/turnserver.conf', () => {
  let child: ChildProcess;
  let out = '';
  let port: number;
  let tlsPort: number;
  const text = readFileSync(CONF, 'utf8');
  const secret = /^static-auth-secret=(.+)$/m.exec(text)![1]!;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcroom-deploy-coturn-'));
    port = await freePort();
    tlsPort = await freePort();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=turn.example.com'], { stdio: 'ignore' });
    const conf = [
      ...text.split('\n').filter((l) => !HOST_SPECIFIC.test(l)),
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      `tls-listening-port=${tlsPort}`,
      `cert=${join(dir, 'cert.pem')}`,
      `pkey=${join(dir, 'key.pem')}`,
      'log-file=stdout',
      `pidfile=${join(dir, 'turnserver.pid')}`,
      `userdb=${join(dir, 'turndb')}`,
    ].join('\n');
    writeFileSync(join(dir, 'turnserver.conf'), conf);
    child = spawn('turnserver', ['-c', join(dir, 'turnserver.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    process.once('exit', () => child.kill('SIGKILL'));
    const deadline = Date.now() + 10_000;
    while (!/Total General servers/.test(out) || !/DB connection success/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`coturn did not start:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(() => child?.kill('SIGKILL'));

  test('the config parses: every peer rule is taken, no option is refused', () => {
    const denied = new Set(text.match(/^denied-peer-ip=.*$/gm)!.map((l) => l.slice('denied-peer-ip='.length)));
    const listed = new Set([...out.matchAll(/Black listing: (\S+)/g)].map((m) => m[1]));
    assert.deepEqual(listed, denied, out);
    assert.match(out, /White listing: 10\.0\.0\.5/);
    assert.doesNotMatch(out, /(unknown|unrecognized|bad) (option|configuration)/i);
  });

  test('its secret gets allocations over UDP, TCP and TLS; a peer outside the rules is allowed, the private ranges are not', async () => {
    const cred = turnCredential(secret, 'deploy-check', Date.now(), 600);
    const allowed = ['10.0.0.5', '198.51.100.20', '203.0.113.10'];
    const refused = ['10.0.0.6', '172.16.0.1', '172.31.255.254', '192.168.1.1', '100.64.0.1', '169.254.1.1', '127.0.0.1', '0.1.2.3', '192.0.0.8', '198.18.0.1', '224.0.0.251', '255.255.255.255'];
    for (const [transport, p] of [['udp', port], ['tcp', port], ['tls', tlsPort]] as const) {
      const r = await probeAllocation({ host: '127.0.0.1', port: p, transport, username: cred.username, password: cred.credential, insecureTls: true, peers: [...allowed, ...refused] });
      assert.ok(r.ok, `${transport}: ${JSON.stringify(r)}`);
      const byPeer = new Map(r.permissions.map((x) => [x.peer, x]));
      for (const peer of allowed) assert.equal(byPeer.get(peer)?.ok, true, `${transport} ${peer}: ${JSON.stringify(byPeer.get(peer))}`);
      for (const peer of refused) assert.equal(byPeer.get(peer)?.code, 403, `${transport} ${peer}: ${JSON.stringify(byPeer.get(peer))}`);
    }
    const wrong = await probeAllocation({ host: '127.0.0.1', port, transport: 'udp', username: cred.username, password: 'forged' });
    assert.equal(!wrong.ok && wrong.code, 401);
  });
});
