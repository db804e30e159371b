// Builds the optional native fast path (packages/server/native) with node-gyp; run by the root
// package's `install` script and by hand (`npm run build:native`). It never fails the install: without
// a compiler, python3, make or the Node headers it says why and the server runs its JavaScript
// path. No download: the headers are those of the Node that runs the project (the `node` dev
// dependency ships them in include/node, OpenSSL's included), passed to node-gyp as --nodedir.
// Plain JavaScript (not TypeScript): it may run on any Node that npm runs on.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

function say(message) {
  console.log(`rtcroom native: ${message}`);
}

/** The Node install holding include/node: the project's `node` dependency, else the one running. */
function findNodeDir() {
  const pkgs = join(root, 'node_modules/node/node_modules');
  if (existsSync(pkgs)) {
    for (const name of readdirSync(pkgs)) {
      const dir = join(pkgs, name);
      if (name.startsWith('node-') && existsSync(join(dir, 'include/node/node_api.h'))) return { dir, node: join(dir, 'bin/node') };
    }
  }
  const dir = resolve(dirname(process.execPath), '..');
  if (existsSync(join(dir, 'include/node/node_api.h'))) return { dir, node: process.execPath };
  return undefined;
}

/** node-gyp's entry: the pinned dev dependency, else the one npm bundles. */
function findNodeGyp() {
  const local = join(root, 'node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(local)) return local;
  const bundled = process.env.npm_config_node_gyp;
  return bundled && existsSync(bundled) ? bundled : undefined;
}

function main() {
  const mode = (process.env.RTCROOM_NATIVE ?? '').toLowerCase();
  if (mode === 'off') return say('not built (RTCROOM_NATIVE=off): the server runs its JavaScript path');
  if (process.platform !== 'linux') return say(`not built on ${process.platform} (sendmmsg is Linux's): the server runs its JavaScript path`);
  const nodeDir = findNodeDir();
  if (!nodeDir) return say('not built: no Node headers (include/node) found: the server runs its JavaScript path');
  const gyp = findNodeGyp();
  if (!gyp) return say('not built: node-gyp is not installed: the server runs its JavaScript path');
  const node = existsSync(nodeDir.node) ? nodeDir.node : process.execPath;
  // a stale build must not outlive a failed one: the loader would take it
  rmSync(join(here, 'build'), { recursive: true, force: true });
  const r = spawnSync(node, [gyp, 'rebuild', `--nodedir=${nodeDir.dir}`, '--jobs=2'], { cwd: here, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: nodeDir.dir } });
  if (r.status === 0 && existsSync(join(here, 'build/Release/rtcroom_native.node'))) return say('built build/Release/rtcroom_native.node');
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  rmSync(join(here, 'build'), { recursive: true, force: true });
  say(`not built (${r.error ? r.error.message : `node-gyp exited with ${r.status}`}); the server runs its JavaScript path. Needs a C compiler, make and python3.\n${output}`);
}

try {
  main();
} catch (e) {
  say(`not built (${e instanceof Error ? e.message : String(e)}): the server runs its JavaScript path`);
}
