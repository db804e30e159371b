// The rtcroom command: token minting, flag errors, serve in dev mode and with apps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyToken, Privileges } from '@rtcroom/token';

const BIN = fileURLToPath(new URL('../../packages/server/bin/rtcroom.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const APP_ID = '0123456789abcdef01234567';

test('token prints a verifiable token with the asked privileges', () => {
  const r = run('token', '--app-id', APP_ID, '--app-key', 'k', '--room', 'r1', '--user', 'u1', '--expire', '600', '--no-publish');
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  const v = verifyToken(token, { appKey: 'k', appId: APP_ID, roomId: 'r1', userId: 'u1' });
  assert.ok(v.ok);
  const now = Date.now() / 1000;
  assert.ok(v.token.expireAt > now + 590 && v.token.expireAt < now + 610);
  assert.deepEqual([...v.token.privileges.keys()], [Privileges.SubscribeStream]);
  const never = run('token', '--app-id', APP_ID, '--app-key', 'k', '--room', '*', '--user', 'u1', '--expire', '0');
  const nv = verifyToken(never.stdout.trim(), { appKey: 'k', roomId: 'any', userId: 'u1' });
  assert.ok(nv.ok && nv.token.expireAt === 0 && nv.token.privileges.size === 5);
});

test('bad flags: a clear message and exit code 2; --help exits 0', () => {
  const cases: [string[], RegExp][] = [
    [['token', '--app-id', APP_ID, '--app-key', 'k', '--room', 'r'], /missing --user/],
    [['token', '--app-id', 'short', '--app-key', 'k', '--room', 'r', '--user', 'u'], /--app-id must be 24 characters/],
    [['token', '--app-id', APP_ID, '--app-key', 'k', '--room', 'r', '--user', 'u', '--expire', 'soon'], /--expire must be a whole number/],
    [['token', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--port', '99999'], /--port must be a whole number from 0 to 65535/],
    [['serve', '--audio-speakers', '0'], /--audio-speakers must be a whole number from 1 to 100/],
    [['serve', '--audio-selection-above', 'many'], /--audio-selection-above must be a whole number from 0 to 100000/],
    [['serve', '--apps', '/nonexistent/apps.json'], /cannot read apps file/],
    [['serve', '--workers', '0'], /--workers must be a whole number from 1 to 256/],
    [['serve', '--workers', '3', '--rtc-ports', '40000-40004'], /--rtc-ports: the media port range 40000-40004 \(5 ports\) is too small for 3 workers/],
    [['serve', '--rtc-port', '80'], /--rtc-port must be a whole number from 1024 to 65535/],
    [['serve', '--rtc-port', '40000', '--rtc-ports', '40000-40100'], /--rtc-port and --rtc-ports cannot be used together/],
    [['serve', '--rtc-tcp'], /--rtc-tcp needs --rtc-port N/],
    [['serve', '--rtc-port', '40000', '--workers', '2'], /--rtc-port needs --workers 1/],
    [['serve', '--redis', 'http://127.0.0.1:6379'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [['serve', '--node-id', 'n1'], /--node-id needs --redis/],
    [['serve', '--redis', 'redis://127.0.0.1:1', '--sysload-limit', 'high'], /--sysload-limit must be a number from 0 to 1000/],
    [['serve', '--native', 'fast'], /--native must be one of off, auto, on, got "fast"/],
    [['fly'], /unknown command "fly"/],
    [['serve', '--miniapp', '/nonexistent/project'], /--miniapp: \/nonexistent\/project is not a folder/],
    [['serve', '--miniapp', tmpdir()], /has no app\.json/],
    [['miniapp', 'build', tmpdir()], /missing --out OUT/],
    [['miniapp', 'run', tmpdir()], /expected "rtcroom miniapp build DIR --out OUT"/],
    [['miniapp', 'build', tmpdir(), '--out', 'x', '--server-url', 'ftp://h'], /--server-url must be an http\(s\) URL/],
  ];
  for (const [args, want] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
    assert.match(r.stderr, /See "rtcroom/);
  }
  const env = spawnSync(process.execPath, [BIN, 'serve'], { encoding: 'utf8', env: { ...process.env, RTCROOM_NATIVE: 'maybe' } });
  assert.equal(env.status, 2, env.stderr);
  assert.match(env.stderr, /RTCROOM_NATIVE must be one of off, auto, on; got "maybe"/);
  for (const cmd of ['serve', 'token', 'miniapp']) {
    const r = run(cmd, '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`Usage: rtcroom ${cmd}`));
  }
});

test('serve --rtc-port on a taken UDP port: a clear message and exit code 1', async () => {
  const { createSocket } = await import('node:dgram');
  const taken = createSocket('udp4');
  await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
  try {
    const port = taken.address().port;
    const dir = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
    writeFileSync(join(dir, 'apps.json'), JSON.stringify([{ appId: APP_ID, appKey: 'k' }]));
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--apps', join(dir, 'apps.json'), '--rtc-ip', '127.0.0.1', '--rtc-port', String(port)], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`rtcroom: cannot start: cannot bind the media UDP port 127.0.0.1:${port}: bind EADDRINUSE`));
  } finally {
    taken.close();
  }
});

/** Starts `rtcroom serve` in `cwd` and resolves with its URL and everything it printed so far. */
async function serve(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'warn', ...args], { cwd, env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 15000);
    child.stdout.on('data', () => {
      const m = /running at (http:\/\/[^\s]+)/.exec(out);
      if (m && (args.length > 0 || env.RTCROOM_APPS || /appKey: /.test(out))) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    url,
    output: () => out,
    exited,
    signal: (sig: NodeJS.Signals) => child.kill(sig),
    stop: () => new Promise((r) => (child.on('exit', r), child.kill('SIGTERM'))),
  };
}

test('serve without apps: dev app printed, dev token endpoint mints tokens for it, healthz answers', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
  const s = await serve(cwd, []);
  try {
    const appId = /appId:\s+([0-9a-f]{24})/.exec(s.output())?.[1];
    const appKey = /appKey:\s+([0-9a-f]{32})/.exec(s.output())?.[1];
    assert.ok(appId && appKey, s.output());
    const res = await fetch(`${s.url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ roomId: 'r', userId: 'u' }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; appId: string };
    assert.equal(body.appId, appId);
    assert.ok(verifyToken(body.token, { appKey, appId, roomId: 'r', userId: 'u', privilege: [0, 4] }).ok);
    const bad = await fetch(`${s.url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ roomId: 'bad room', userId: 'u' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /body\.roomId should match/);
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    const sdk = await fetch(`${s.url}/sdk/rtcroom.js`);
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get('content-type') ?? '', /javascript/);
    const global = await fetch(`${s.url}/sdk/rtcroom.global.js`);
    assert.match(await global.text(), /var rtcroom=/);
    assert.equal((await fetch(`${s.url}/sdk/..%2F..%2Fpackage.json`)).status, 404);
  } finally {
    await s.stop();
  }
  // the dev app survives a restart in the same folder
  const again = await serve(cwd, []);
  try {
    assert.equal(/appId:\s+([0-9a-f]{24})/.exec(again.output())?.[1], /appId:\s+([0-9a-f]{24})/.exec(s.output())?.[1]);
  } finally {
    await again.stop();
  }
});

test('serve with apps (file or RTCROOM_APPS): no dev endpoint', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
  const file = join(cwd, 'apps.json');
  writeFileSync(file, JSON.stringify([{ appId: APP_ID, appKey: 'secret' }]));
  for (const s of [await serve(cwd, ['--apps', file]), await serve(cwd, [], { RTCROOM_APPS: JSON.stringify({ apps: [{ appId: APP_ID, appKey: 'secret' }] }) })]) {
    try {
      assert.doesNotMatch(s.output(), /appKey/);
      const res = await fetch(`${s.url}/api/dev/token`, { method: 'POST', body: '{"roomId":"r","userId":"u"}' });
      assert.equal(res.status, 404);
    } finally {
      await s.stop();
    }
  }
  writeFileSync(file, JSON.stringify([{ appId: 'short', appKey: 'x' }]));
  const r = run('serve', '--apps', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /appId must be exactly 24 characters/);
});

test('dev mode is refused on a non-loopback --host unless --dev asks for it, and then it warns', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
  const refused = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--host', '0.0.0.0'], { cwd, encoding: 'utf8' });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /no apps are configured and --host 0\.0\.0\.0 is not a loopback address/);
  assert.match(refused.stderr, /--dev/);
  // nothing was created for the refused dev app
  assert.equal(spawnSync('ls', ['-A', cwd], { encoding: 'utf8' }).stdout.trim(), '');
  const s = await serve(cwd, ['--host', '0.0.0.0', '--dev']);
  try {
    // the warning goes to stderr, the dev app to stdout: two pipes, either may be read first
    for (let i = 0; i < 150 && !(/appKey: /.test(s.output()) && /WARNING/.test(s.output())); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(s.output(), /WARNING: dev mode on 0\.0\.0\.0: ANYONE/);
    const port = new URL(s.url.replace('0.0.0.0', '127.0.0.1')).port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  } finally {
    await s.stop();
  }
});

for (const workers of [1, 2]) {
test(`SIGTERM (--workers ${workers}): members are told (21955), the socket closes with 1001, the process exits 0 within 5 s`, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
  const file = join(cwd, 'apps.json');
  writeFileSync(file, JSON.stringify([{ appId: APP_ID, appKey: 'secret' }]));
  const s = await serve(cwd, ['--apps', file, '--workers', String(workers)]);
  const url = s.url;
  const { TestClient } = await import('../helpers/ws-client.ts');
  const { AccessToken } = await import('@rtcroom/token');
  const c = await TestClient.connect(`${url.replace('http', 'ws')}/rtc`);
  const t = new AccessToken(APP_ID, 'secret', 'r-stop', 'u1');
  t.expireTime(Math.floor(Date.now() / 1000) + 600);
  const joined = await c.request('joinRtcRoom', { appId: APP_ID, roomId: 'r-stop', userId: 'u1', token: t.serialize() });
  assert.ok(joined.result, JSON.stringify(joined));
  const health = (await (await fetch(`${url}/healthz`)).json()) as { workers?: { pid: number }[] };
  const workerPids = (health.workers ?? []).map((w) => w.pid);
  const t0 = Date.now();
  s.signal('SIGTERM');
  const told = await c.waitFor((f) => f.event === 'interrupted', 'interrupted event');
  assert.equal((told.data as unknown as { errNo: number }).errNo, 21955);
  const closed = await c.waitClosed();
  assert.equal(closed.code, 1001);
  assert.equal(await s.exited, 0);
  assert.ok(Date.now() - t0 < 5000, `exited after ${Date.now() - t0} ms`);
  assert.match(s.output(), /SIGTERM: shutting down/);
  if (workers > 1) {
    // the media workers went with it
    assert.equal(workerPids.length, workers);
    for (const pid of workerPids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
  }
});
}
