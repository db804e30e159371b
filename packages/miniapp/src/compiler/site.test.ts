import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniappSite } from './site.ts';

test('the site: html, compiled project (recompiled when a file changes), assets only, no escapes, errors as a script', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'miniapp-site-'));
  const write = (p: string, text: string) => writeFileSync(join(dir, p), text);
  try {
    write('app.json', JSON.stringify({ pages: ['index'], window: { navigationBarTitleText: 'A <b> & c' } }));
    write('app.js', 'App({})');
    write('index.js', 'Page({ data: { n: 1 } })');
    write('index.ttml', '<view>{{n}}</view>');
    write('logo.png', 'png-bytes');
    const site = new MiniappSite(dir);
    const html = await site.get('');
    assert.equal(html?.type, 'text/html; charset=utf-8');
    assert.match(String(html?.body), /<title>A &#60;b&#62; &#38; c<\/title>/);
    assert.match(String(html?.body), /<script src="runtime\.js"><\/script>\s*<script src="project\.js"><\/script>/);
    const first = String((await site.get('project.js'))?.body);
    assert.match(first, /^__ttRegister\(/);
    assert.equal(String((await site.get('project.js'))?.body), first, 'cached while nothing changes');
    write('index.ttml', '<view>{{n + 1}}</view>');
    utimesSync(join(dir, 'index.ttml'), new Date(), new Date(Date.now() + 5000));
    assert.notEqual(String((await site.get('project.js'))?.body), first, 'recompiled after a change');
    assert.equal(String((await site.get('logo.png'))?.body), 'png-bytes');
    assert.equal((await site.get('logo.png'))?.type, 'image/png');
    for (const p of ['app.js', 'index.ttml', 'app.json', '../../etc/passwd', '..%2f..%2fetc/passwd', 'nope.png']) assert.equal(await site.get(p), undefined, p);
    write('index.ttml', '<view>{{ n + }}</view>');
    utimesSync(join(dir, 'index.ttml'), new Date(), new Date(Date.now() + 10_000));
    const broken = String((await site.get('project.js'))?.body);
    assert.match(broken, /^__ttCompileError\(".*index\.ttml:1: text=/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
