// `rtcroom doctor` run as a command against a real coturn on loopback: a matching secret gets
// allocations (UDP, TCP, TLS) and relay permissions, a wrong one is named as such, a port where
// nothing listens "answers nothing", a self-signed certificate is refused without --insecure-tls,
// coturn's refusal to relay to the media address is caught; the signaling and media port checks
// against a running server and a busy UDP port. Every address used is on loopback (--rtc-ip
// 127.0.0.1 keeps the media round trips there too).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { freePort, startCoturn, type Coturn } from '../helpers/coturn.ts';
import { startTestServer } from '../helpers/server.ts';

const BIN = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));

/** Runs `rtcroom doctor …` and resolves with its exit code and output. */
function doctor(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.RTCROOM_TURN_SECRET;
    const child = spawn(process.execPath, [BIN, 'doctor', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The report's lines of one status in one section. */
function lines(out: string, section: string, status: 'ok' | 'warn' | 'FAIL'): string[] {
  const body = out.split(/\n(?=\S)/).find((s) => s.startsWith(`${section}\n`)) ?? '';
  return body
    .split('\n')
    .filter((l) => l.startsWith(`  ${status.padEnd(4)}  `))
    .map((l) => l.slice(8));
}

/** A UDP port bound by this test (released by `close`). */
function bindUdp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: '127.0.0.1', port }, () => resolve(s));
  });
}

describe('rtcroom doctor', () => {
  let turn: Coturn;
  let strict: Coturn;
  let signalPort: number;
  before(async () => {
    turn = await startCoturn({ listenIps: ['127.0.0.1'], relayIp: '127.0.0.1', tls: true, allowLoopbackPeers: true });
    strict = await startCoturn({ listenIps: ['127.0.0.1'], relayIp: '127.0.0.1' });
    signalPort = await freePort();
  });
  after(() => {
    turn?.stop();
    strict?.stop();
  });
  const base = (): string[] => ['--rtc-ip', '127.0.0.1', '--port', String(signalPort)];

  test('the matching secret: TURN over UDP, TCP and TLS allocates a relay that may reach the media address; STUN answers; exit 0', async () => {
    const urls = [`turn:127.0.0.1:${turn.port}`, `turn:127.0.0.1:${turn.port}?transport=tcp`, `turns:127.0.0.1:${turn.tlsPort}?transport=tcp`, `stun:127.0.0.1:${turn.port}`];
    const r = await doctor(...base(), '--rtc-ports', '41000-41100', '--turn-urls', urls.join(','), '--turn-secret', turn.secret, '--insecure-tls');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const ok = lines(r.stdout, 'turn', 'ok');
    for (const [i, transport] of ['UDP', 'TCP', 'TLS'].entries()) {
      const line = ok.find((l) => l.startsWith(`${urls[i]} (${transport})`));
      assert.ok(line, `${urls[i]}:\n${r.stdout}`);
      assert.match(line, /allocation ok, relayed address 127\.0\.0\.1:\d+ \(loopback: this machine only\); may relay to media 127\.0\.0\.1$/);
    }
    assert.ok(ok.some((l) => new RegExp(`^stun:127\\.0\\.0\\.1:${turn.port}: binding answered, this machine seen as 127\\.0\\.0\\.1:\\d+$`).test(l)), r.stdout);
    assert.deepEqual(lines(r.stdout, 'turn', 'FAIL'), []);
    // the other sections, as they come out on loopback
    assert.match(lines(r.stdout, 'signaling', 'ok')[0] ?? '', new RegExp(`^no server runs on 127\\.0\\.0\\.1:${signalPort}; rtcroom serve can listen there`));
    assert.ok(lines(r.stdout, 'media', 'ok').some((l) => /^UDP 41000-41100 on 127\.0\.0\.1 \(101 ports, .*\): 16 ports spread over it bind$/.test(l)), r.stdout);
    assert.ok(lines(r.stdout, 'media', 'ok').some((l) => /^UDP round trip to 127\.0\.0\.1:410\d\d: answered in [\d.]+ ms$/.test(l)), r.stdout);
    assert.ok(lines(r.stdout, 'interfaces', 'warn').some((l) => l.startsWith('--rtc-ip 127.0.0.1 is loopback')), r.stdout);
    assert.match(r.stdout, /^\d+ ok, \d+ warn, 0 FAIL: /m);
  });

  test('a wrong secret: FAIL naming the secret, exit 1', async () => {
    const url = `turn:127.0.0.1:${turn.port}?transport=tcp`;
    const r = await doctor(...base(), '--turn-urls', url, '--turn-secret', 'not-the-secret-0123456789');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const fail = lines(r.stdout, 'turn', 'FAIL');
    assert.equal(fail.length, 1, r.stdout);
    assert.match(fail[0]!, /^turn:127\.0\.0\.1:\d+\?transport=tcp \(TCP\): 401 Unauthorized: the secret does not match coturn's static-auth-secret/);
    assert.match(r.stdout, / 1 FAIL: clients may fail to connect/);
  });

  test('nothing listening: "nothing answers" over UDP and TCP, exit 1', async () => {
    const spare = await bindUdp();
    const port = spare.address().port;
    spare.close();
    const r = await doctor(...base(), '--turn-urls', `turn:127.0.0.1:${port},turn:127.0.0.1:${port}?transport=tcp`, '--turn-secret', turn.secret);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const fail = lines(r.stdout, 'turn', 'FAIL');
    assert.match(fail[0] ?? '', new RegExp(`\\(UDP\\): nothing answers at 127\\.0\\.0\\.1:${port} over UDP \\(no answer in 3 s`));
    assert.match(fail[1] ?? '', new RegExp(`\\(TCP\\): nothing answers at 127\\.0\\.0\\.1:${port} over TCP \\(connection refused`));
  });

  test('TLS with a self-signed certificate fails without --insecure-tls; TURN URLs without a secret only warn', async () => {
    const tls = `turns:127.0.0.1:${turn.tlsPort}?transport=tcp`;
    const r = await doctor(...base(), '--turn-urls', tls, '--turn-secret', turn.secret);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(lines(r.stdout, 'turn', 'FAIL')[0] ?? '', /\(TLS\): TLS certificate not accepted \(self-signed certificate\).*--insecure-tls/);
    const noSecret = await doctor(...base(), '--turn-urls', `turn:127.0.0.1:${turn.port}`);
    assert.equal(noSecret.status, 0, noSecret.stdout);
    const warn = lines(noSecret.stdout, 'turn', 'warn');
    assert.match(warn[0] ?? '', /lists TURN servers but no --turn-secret/);
    assert.match(warn[1] ?? '', /\(UDP\): answers \(401 challenge\); no secret to try an allocation with$/);
  });

  test("coturn refusing to relay to the media address (loopback peers not allowed): FAIL naming allowed-peer-ip", async () => {
    const r = await doctor(...base(), '--turn-urls', `turn:127.0.0.1:${strict.port}`, '--turn-secret', strict.secret);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(lines(r.stdout, 'turn', 'FAIL')[0] ?? '', /allocation ok, relayed address 127\.0\.0\.1:\d+ .*; but relaying to this server's media address 127\.0\.0\.1 refused \(refused: 403 [^)]*\): .*add allowed-peer-ip=127\.0\.0\.1$/);
  });

  test('a running server: its /healthz summary; a busy --rtc-port is its own, or another program (FAIL)', async () => {
    const busy = await bindUdp();
    const port = String(busy.address().port);
    try {
      const alone = await doctor(...base(), '--rtc-port', port);
      assert.equal(alone.status, 1, alone.stdout);
      assert.match(lines(alone.stdout, 'media', 'FAIL')[0] ?? '', new RegExp(`^UDP 127\\.0\\.0\\.1:${port} is in use by another program`));
      const server = await startTestServer();
      try {
        const serverPort = new URL(server.url).port;
        const r = await doctor('--rtc-ip', '127.0.0.1', '--port', serverPort, '--rtc-port', port);
        assert.equal(r.status, 0, r.stdout);
        assert.match(lines(r.stdout, 'signaling', 'ok')[0] ?? '', new RegExp(`^rtcroom answers at http://127\\.0\\.0\\.1:${serverPort}/healthz: up \\d+ s, 0 rooms, 0 members, 0 sessions, \\d+ media connections`));
        const media = lines(r.stdout, 'media', 'ok');
        assert.equal(media[0], `UDP ${port} is in use by the running rtcroom server (single-port mode)`);
        assert.match(media[1] ?? '', /^UDP round trip to 127\.0\.0\.1:\d+ \(on a free port: the server holds the single port\): answered/);
      } finally {
        await server.close();
      }
    } finally {
      busy.close();
    }
  });

  test('bad flags exit 2 with a hint; --help exits 0', async () => {
    for (const [args, want] of [
      [['--rtc-ports', '41000-41100', '--rtc-port', '41000'], /give --rtc-ports or --rtc-port, not both/],
      [['--turn-urls', 'http://x'], /--turn-urls: "http:\/\/x" is not a turn:/],
      [['--announced-ip', 'example.com'], /--announced-ip must be an IPv4 address/],
    ] as const) {
      const r = await doctor(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, want);
      assert.match(r.stderr, /See "rtcroom doctor --help"/);
    }
    const help = await doctor('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: rtcroom doctor/);
  });
});
