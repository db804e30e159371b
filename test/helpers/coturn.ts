// A real coturn (Debian's `turnserver`) for the TURN tests: TURN REST API credentials
// (`use-auth-secret`), UDP and TCP on one port, TLS on another with a certificate made on the
// fly, optionally inside a network namespace. `stop()` kills it (call it in a `finally`/`after`).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running coturn. */
export interface Coturn {
  /** UDP and TCP port. */
  port: number;
  /** TLS port (when started with `tls`). */
  tlsPort: number | undefined;
  /** The shared secret (`static-auth-secret`). */
  secret: string;
  /** The realm it answers 401s with. */
  realm: string;
  /** Everything it logged so far. */
  log(): string;
  stop(): void;
}

/** Options of {@link startCoturn}. */
export interface CoturnOptions {
  /** Addresses to listen on (coturn's `listening-ip`). */
  listenIps: string[];
  /** Address relays are allocated on. */
  relayIp: string;
  /** Ports (default: free ones on loopback, found by the test process). */
  port?: number;
  tlsPort?: number;
  /** Also listen for TLS, with a self-signed certificate for `turn.rtcroom.test`. */
  tls?: boolean;
  /** Command prefix to run it in a namespace (`Topology.wrap`). */
  wrap?: string[];
  /** Let it relay to 127.0.0.0/8 (the loopback tests' server). */
  allowLoopbackPeers?: boolean;
}

/** A free TCP port on loopback (coturn then takes UDP and TCP on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts coturn and resolves once it logs its listeners. */
export async function startCoturn(o: CoturnOptions): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-coturn-'));
  const secret = 'coturn-test-secret-0123456789';
  const realm = 'rtcroom.test';
  const port = o.port ?? (await freePort());
  const tlsPort = o.tls ? (o.tlsPort ?? (await freePort())) : undefined;
  const args = [
    '-n',
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
    ...o.listenIps.map((ip) => `--listening-ip=${ip}`),
    `--relay-ip=${o.relayIp}`,
    `--listening-port=${port}`,
    '--min-port=49160',
    '--max-port=49400',
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--no-dtls',
    '--no-multicast-peers',
  ];
  if (o.allowLoopbackPeers) args.push('--allow-loopback-peers');
  if (tlsPort !== undefined) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=turn.rtcroom.test'], { stdio: 'ignore' });
    args.push(`--tls-listening-port=${tlsPort}`, `--cert=${cert}`, `--pkey=${key}`);
  } else args.push('--no-tls');
  const cmd = [...(o.wrap ?? []), 'turnserver', ...args];
  const child: ChildProcess = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const stop = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', stop);
  // ready once its relay threads exist and its (empty) user database is open
  const deadline = Date.now() + 10_000;
  while (!/Total General servers/.test(out) || !/DB connection success/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`coturn did not start (exit ${child.exitCode}):\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, tlsPort, secret, realm, log: () => out, stop };
}
