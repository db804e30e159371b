// A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, the server on a free
// loopback port, removed on stop. Debian's postgresql package (/usr/lib/postgresql/N/bin); as
// root (postgres refuses to run as root) it runs as user nobody through runuser.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder of Debian's PostgreSQL programs (the newest version installed). */
export function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error('PostgreSQL not found in /usr/lib/postgresql (apt-get install postgresql)');
  return join(base, v, 'bin');
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A running cluster. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication, loopback only). */
  url: string;
  stop(): Promise<void>;
}

/** Starts a fresh cluster (about a second). */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]): [string, string[]] => (root ? ['runuser', ['-u', 'nobody', '--', cmd, ...args]] : [cmd, args]);
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-pg-'));
  const data = join(dir, 'data');
  if (root) {
    chmodSync(dir, 0o755);
    const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    chownSync(dir, nobody, nobody);
  }
  const [initCmd, initArgs] = as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = as(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const ready = Date.now() + 20_000;
  while (!/ready to accept connections/.test(log)) {
    if (child.exitCode !== null || Date.now() > ready) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        // fast shutdown: SIGINT to the postmaster itself (runuser does not pass signals on)
        try {
          process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
        } catch {
          child.kill('SIGINT');
        }
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
