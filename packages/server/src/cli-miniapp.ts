/**
 * `rtcroom miniapp build DIR --out OUT [--server-url URL]` and the check of `serve --miniapp DIR`.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HELP } from './cli-help.ts';

/** Bad arguments: the CLI prints them with a hint (exit code 2). */
export class MiniappUsageError extends Error {}

/** Checks that `dir` is a mini-program project folder; returns its absolute path. */
export function miniappDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new MiniappUsageError(`--miniapp: ${dir} is not a folder`);
  if (!existsSync(join(abs, 'app.json'))) throw new MiniappUsageError(`--miniapp: ${dir} has no app.json (give the folder holding app.json)`);
  return abs;
}

/** Runs `rtcroom miniapp …`; resolves to the exit code. */
export async function miniappCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { out: { type: 'string' }, 'server-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new MiniappUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP.miniapp);
    return 0;
  }
  if (positionals[0] !== 'build' || positionals.length !== 2) throw new MiniappUsageError(`expected "rtcroom miniapp build DIR --out OUT", got "rtcroom miniapp ${args.join(' ')}"`);
  if (!values.out) throw new MiniappUsageError('missing --out OUT (the folder to write the site to)');
  const serverUrl = values['server-url'];
  if (serverUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(serverUrl);
    } catch {
      throw new MiniappUsageError(`--server-url must be an http(s) URL, got "${serverUrl}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MiniappUsageError(`--server-url must be an http(s) URL, got "${serverUrl}"`);
  }
  const dir = miniappDir(positionals[1] as string);
  const { MiniappSite, MiniappCompileError } = await import('@rtcroom/miniapp');
  try {
    const files = await new MiniappSite(dir, serverUrl?.replace(/\/+$/, '') ?? '').build(values.out);
    console.log(`wrote ${files.length} files to ${resolve(values.out)} (open index.html through any web server${serverUrl ? `; rtcroom server: ${serverUrl}` : '; rtcroom server: the same origin'})`);
    return 0;
  } catch (e) {
    if (e instanceof MiniappCompileError) {
      console.error(`rtcroom: the mini-program does not compile:\n${e.message}`);
      return 1;
    }
    throw e;
  }
}
