/**
 * Compiles a mini-program project folder (app.json, app.js/ts, app.ttss, pages …) into one
 * script, `project.js`: a CommonJS module table (each .js/.ts file compiled with esbuild), the
 * compiled templates, the stylesheets and the configs, handed to the runtime's `__ttRegister`.
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { transform } from 'esbuild';
import type { CompiledTemplate } from '../ir.ts';
import { compileTtml } from './ttml-compile.ts';
import { compileTtss } from './ttss.ts';

/** The project does not compile; the message names every problem found. */
export class MiniappCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MiniappCompileError';
  }
}

/** What the runtime receives (besides the modules, which are code). */
export interface ProjectManifest {
  /** `app.json`. */
  app: AppJson;
  /** Per page route: its `.json` config and compiled stylesheet. */
  pages: Record<string, { config: Record<string, unknown>; style: string }>;
  /** `app.ttss`, compiled. */
  appStyle: string;
  /** Every template file, by project-relative path. */
  templates: Record<string, CompiledTemplate>;
  /** The rtcroom server URL (`--server-url`), or empty for the page's origin. */
  serverUrl: string;
}

/** The fields of `app.json` the runtime reads. */
export interface AppJson {
  pages: string[];
  window?: Record<string, unknown>;
  [k: string]: unknown;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out']);
const MAX_FILES = 5000;
const SOURCE = /\.(js|ts|json|ttml|wxml|ttss|wxss)$/;

/** Project files that the compiler reads, with their modification stamps (for caching). */
export function listProject(dir: string): { path: string; stamp: string }[] {
  const out: { path: string; stamp: string }[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(full);
      } else if (e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) {
        if (out.length >= MAX_FILES) throw new MiniappCompileError(`${dir} holds more than ${MAX_FILES} source files: is it a mini-program project?`);
        const st = statSync(full);
        out.push({ path: relative(dir, full).split(sep).join('/'), stamp: `${st.mtimeMs}:${st.size}` });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function readJson(dir: string, path: string): Record<string, unknown> {
  const text = readFileSync(join(dir, path), 'utf8');
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new MiniappCompileError(`${path}: ${(e as Error).message}`);
  }
}

function checkAppJson(v: Record<string, unknown>): AppJson {
  const pages = v.pages;
  if (!Array.isArray(pages) || pages.length === 0 || !pages.every((p) => typeof p === 'string' && /^[\w./-]+$/.test(p) && !p.includes('..'))) {
    throw new MiniappCompileError('app.json: "pages" must be a non-empty list of page paths such as "pages/index/index"');
  }
  if (v.window !== undefined && (typeof v.window !== 'object' || v.window === null)) throw new MiniappCompileError('app.json: "window" must be an object');
  return v as AppJson;
}

/** Compiles the project in `dir` into the text of `project.js`. */
export async function compileProject(dir: string, opts: { serverUrl?: string } = {}): Promise<string> {
  let files: string[];
  try {
    files = listProject(dir).map((f) => f.path);
  } catch (e) {
    if (e instanceof MiniappCompileError) throw e;
    throw new MiniappCompileError(`cannot read the project folder ${dir}: ${(e as Error).message}`);
  }
  const has = new Set(files);
  if (!has.has('app.json')) throw new MiniappCompileError(`${dir} has no app.json: not a mini-program project`);
  const app = checkAppJson(readJson(dir, 'app.json'));
  const problems: string[] = [];
  const read = (p: string): string | undefined => (has.has(p) ? readFileSync(join(dir, p), 'utf8') : undefined);
  const either = (base: string, exts: string[]): string | undefined => exts.map((x) => base + x).find((p) => has.has(p));

  const templates: Record<string, CompiledTemplate> = {};
  for (const f of files.filter((p) => /\.(ttml|wxml)$/.test(p))) {
    try {
      templates[f] = compileTtml(read(f) as string, f);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const style = (p: string | undefined): string => {
    if (!p) return '';
    try {
      return compileTtss(p, read);
    } catch (e) {
      problems.push((e as Error).message);
      return '';
    }
  };
  const pages: ProjectManifest['pages'] = {};
  for (const route of app.pages) {
    if (!either(route, ['.js', '.ts'])) problems.push(`app.json lists page "${route}" but there is no ${route}.js or ${route}.ts`);
    if (!either(route, ['.ttml', '.wxml'])) problems.push(`app.json lists page "${route}" but there is no ${route}.ttml`);
    let config: Record<string, unknown> = {};
    if (has.has(`${route}.json`)) {
      try {
        config = readJson(dir, `${route}.json`);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    pages[route] = { config, style: style(either(route, ['.ttss', '.wxss'])) };
  }
  const appStyle = style(either('app', ['.ttss', '.wxss']));
  if (!either('app', ['.js', '.ts'])) problems.push('there is no app.js (or app.ts) calling App({...})');

  const modules: string[] = [];
  for (const f of files) {
    const isCode = /\.(js|ts)$/.test(f);
    if (!isCode && !f.endsWith('.json')) continue;
    if (f === 'project.config.json' || f === 'project.private.config.json') continue;
    let code: string;
    if (isCode) {
      try {
        const r = await transform(read(f) as string, { loader: f.endsWith('.ts') ? 'ts' : 'js', format: 'cjs', target: 'es2020', sourcefile: f, logLevel: 'silent' });
        code = r.code;
      } catch (e) {
        const errs = (e as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors ?? [];
        problems.push(...(errs.length ? errs.map((x) => `${f}:${x.location?.line ?? 0}: ${x.text}`) : [`${f}: ${(e as Error).message}`]));
        continue;
      }
    } else {
      try {
        code = `module.exports = ${JSON.stringify(JSON.parse(read(f) as string))};`;
      } catch (e) {
        problems.push(`${f}: ${(e as Error).message}`);
        continue;
      }
    }
    modules.push(`${JSON.stringify(f)}: function (module, exports, require, App, Page, getApp, getCurrentPages, tt, wx, Component, Behavior) {\n${code}\n}`);
  }
  if (problems.length) throw new MiniappCompileError(problems.join('\n'));
  const manifest: ProjectManifest = { app, pages, appStyle, templates, serverUrl: opts.serverUrl ?? '' };
  return `__ttRegister(${JSON.stringify(manifest)}, {\n${modules.join(',\n')}\n});\n`;
}
