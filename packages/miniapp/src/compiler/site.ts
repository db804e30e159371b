/**
 * The files of a mini-program on the web: `index.html`, `runtime.js` (runtime + SDK),
 * `project.js` (the compiled project) and the project's assets. Served by `rtcroom serve
 * --miniapp DIR` (compiled on request, cached until a file changes) or written out by
 * `rtcroom miniapp build`.
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { compileProject, listProject, MiniappCompileError } from './project.ts';
import { runtimeBundle } from './runtime-bundle.ts';

/** A file to send. */
export interface SiteFile {
  status: number;
  type: string;
  body: string | Buffer;
}

/** Files of the project sent as they are (images, fonts, sounds). */
const ASSETS: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};
const JS = 'text/javascript; charset=utf-8';

function html(title: string): string {
  const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>${esc}</title>
</head>
<body>
<div id="tt-app"></div>
<script src="runtime.js"></script>
<script src="project.js"></script>
</body>
</html>
`;
}

/** Script shown instead of the project when it does not compile: the runtime draws the errors. */
function errorScript(message: string): string {
  return `__ttCompileError(${JSON.stringify(message)});\n`;
}

/** One mini-program project on the web. */
export class MiniappSite {
  readonly dir: string;
  readonly #serverUrl: string;
  #cache: { stamp: string; js: string; title: string } | undefined;

  /** `dir`: the project folder (holding app.json); `serverUrl`: rtcroom server, '' = the page's origin. */
  constructor(dir: string, serverUrl = '') {
    this.dir = resolve(dir);
    this.#serverUrl = serverUrl;
  }

  /** Compiles the project unless no file changed since the last time. */
  async project(): Promise<{ js: string; title: string }> {
    const stamp = listProject(this.dir)
      .map((f) => `${f.path}@${f.stamp}`)
      .join('|');
    if (this.#cache?.stamp === stamp) return this.#cache;
    const js = await compileProject(this.dir, { serverUrl: this.#serverUrl });
    let title = 'Mini program';
    try {
      const app = JSON.parse(readFileSync(join(this.dir, 'app.json'), 'utf8')) as { window?: { navigationBarTitleText?: unknown } };
      if (typeof app.window?.navigationBarTitleText === 'string') title = app.window.navigationBarTitleText;
    } catch {
      // compileProject already checked app.json
    }
    this.#cache = { stamp, js, title };
    return this.#cache;
  }

  /** The file at `rel` (relative to the site root, URL-decoded), or undefined. */
  async get(rel: string): Promise<SiteFile | undefined> {
    const clean = normalize(`/${rel}`).replace(/^[/\\]+/, '');
    if (clean === '' || clean === 'index.html') {
      let title = 'Mini program';
      try {
        title = (await this.project()).title;
      } catch {
        // project.js shows the error
      }
      return { status: 200, type: 'text/html; charset=utf-8', body: html(title) };
    }
    if (clean === 'runtime.js') return { status: 200, type: JS, body: await runtimeBundle() };
    if (clean === 'project.js') {
      try {
        return { status: 200, type: JS, body: (await this.project()).js };
      } catch (e) {
        if (!(e instanceof MiniappCompileError)) throw e;
        return { status: 200, type: JS, body: errorScript(e.message) };
      }
    }
    const type = ASSETS[extname(clean).toLowerCase()];
    if (!type) return undefined;
    const full = join(this.dir, clean);
    if (!full.startsWith(this.dir + sep)) return undefined;
    try {
      return { status: 200, type, body: readFileSync(full) };
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the static site to `out`: index.html, runtime.js, project.js and the assets.
   * @throws MiniappCompileError when the project does not compile
   * @returns the files written, relative to `out`
   */
  async build(out: string): Promise<string[]> {
    const { js, title } = await this.project();
    const dest = resolve(out);
    const inside = relative(this.dir, dest);
    const first = inside.split(sep)[0] ?? '';
    if (!inside.startsWith('..') && !isAbsolute(inside) && !['dist', 'out'].includes(first) && !first.startsWith('.')) {
      throw new MiniappCompileError(`--out ${out} is inside the project: use a folder outside it, or one named dist/ or out/`);
    }
    mkdirSync(dest, { recursive: true });
    const written: string[] = [];
    const put = (name: string, body: string | Buffer): void => {
      mkdirSync(dirname(join(dest, name)), { recursive: true });
      writeFileSync(join(dest, name), body);
      written.push(name);
    };
    put('index.html', html(title));
    put('runtime.js', await runtimeBundle());
    put('project.js', js);
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        const full = join(d, e.name);
        if (full === dest) continue;
        if (e.isDirectory()) walk(full);
        else if (ASSETS[extname(e.name).toLowerCase()] && statSync(full).size < 50 * 1024 * 1024) {
          const rel = relative(this.dir, full);
          mkdirSync(dirname(join(dest, rel)), { recursive: true });
          copyFileSync(full, join(dest, rel));
          written.push(rel.split(sep).join('/'));
        }
      }
    };
    walk(this.dir);
    return written;
  }
}
