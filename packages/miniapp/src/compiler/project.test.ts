import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, MiniappCompileError } from './project.ts';

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/miniapp/', import.meta.url));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'miniapp-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

test('the fixture project compiles into one registration with every module, template and style', async () => {
  const js = await compileProject(FIXTURE, { serverUrl: 'https://rtc.example.com' });
  const calls: { manifest: Record<string, unknown>; modules: Record<string, unknown> }[] = [];
  // the output is a script calling the runtime's __ttRegister(manifest, modules)
  new Function('__ttRegister', js)((manifest: Record<string, unknown>, modules: Record<string, unknown>) => calls.push({ manifest, modules }));
  assert.equal(calls.length, 1);
  const { manifest, modules } = calls[0] as (typeof calls)[0];
  assert.deepEqual(Object.keys(modules).sort(), ['app.js', 'app.json', 'pages/call/call.json', 'pages/call/call.ts', 'pages/join/join.js', 'pages/join/join.json', 'utils/api.js']);
  assert.equal(manifest.serverUrl, 'https://rtc.example.com');
  assert.deepEqual(Object.keys(manifest.templates as object).sort(), ['pages/call/call.ttml', 'pages/join/join.ttml', 'templates/footer.ttml', 'templates/member.ttml']);
  assert.match(manifest.appStyle as string, /\.section \{[^}]*margin: calc\(32 \* var\(--tt-rpx\)\)/);
  const pages = manifest.pages as Record<string, { config: Record<string, unknown>; style: string }>;
  assert.equal(pages['pages/call/call']?.config.navigationBarTitleText, '通话中');
  // the TypeScript page was compiled to plain CommonJS
  const call = modules['pages/call/call.ts'] as (...a: unknown[]) => void;
  assert.doesNotMatch(call.toString(), /interface MembersEvent/);
});

test('problems are reported together, each with its file', async () => {
  const dir = project({
    'app.json': JSON.stringify({ pages: ['pages/a/a', 'pages/b/b'] }),
    'app.js': 'App({})',
    'pages/a/a.js': 'Page({ data: { x: 1 }, })}',
    'pages/a/a.ttml': '<view>{{ x + }}</view>',
    'pages/a/a.ttss': '@import "gone.ttss";',
    'pages/a/a.json': '{ not json',
  });
  try {
    await assert.rejects(compileProject(dir), (e: unknown) => {
      assert.ok(e instanceof MiniappCompileError);
      const m = e.message;
      assert.match(m, /pages\/a\/a\.ttml:1: text="\{\{ x \+ \}\}"/);
      assert.match(m, /pages\/a\/a\.ttss: @import of missing file pages\/a\/gone\.ttss/);
      assert.match(m, /pages\/a\/a\.json: /);
      assert.match(m, /app\.json lists page "pages\/b\/b" but there is no pages\/b\/b\.js/);
      assert.match(m, /pages\/a\/a\.js:1: /);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder without app.json, or with bad pages, is refused clearly', async () => {
  const empty = project({ 'readme.txt': '' });
  const bad = project({ 'app.json': '{"pages": ["../etc/passwd"]}', 'app.js': 'App({})' });
  try {
    await assert.rejects(compileProject(empty), /has no app\.json: not a mini-program project/);
    await assert.rejects(compileProject(bad), /"pages" must be a non-empty list of page paths/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(bad, { recursive: true, force: true });
  }
});
