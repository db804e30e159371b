import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Modules, type ModuleFactory } from './modules.ts';
import { parseUrl } from './router.ts';

test('require resolves relative, rooted and bare paths with .js/.ts/.json/index, runs each module once', () => {
  let runs = 0;
  const f: Record<string, ModuleFactory> = {
    'app.js': (m, _e, req) => {
      m.exports = { util: req('./utils/util'), cfg: req('/config.json'), same: req('utils/util.ts') === req('./utils/util'), lib: req('lib') };
    },
    'utils/util.ts': (m, e, _req, tag) => {
      runs++;
      (e as Record<string, unknown>).tag = tag;
    },
    'config.json': (m) => {
      m.exports = { a: 1 };
    },
    'miniprogram_npm/lib/index.js': (m) => {
      m.exports = 'lib';
    },
    'pages/p/p.js': (m, _e, req) => {
      m.exports = [req('../../utils/util'), req('helper')];
    },
    'pages/p/helper.js': (m) => {
      m.exports = 'near';
    },
  };
  const mods = new Modules(f, () => ['G']);
  assert.deepEqual(mods.require('app'), { util: { tag: 'G' }, cfg: { a: 1 }, same: true, lib: 'lib' });
  assert.deepEqual(mods.require('pages/p/p'), [{ tag: 'G' }, 'near']);
  assert.equal(runs, 1);
  assert.throws(() => mods.require('./nope', 'pages/p/p.js'), /module "\.\/nope" is not defined \(required from pages\/p\/p\.js\)/);
});

test('a module that throws can be required again; cycles see partial exports', () => {
  let fail = true;
  const mods = new Modules(
    {
      'a.js': (m, e, req) => {
        (e as Record<string, unknown>).early = 1;
        (e as Record<string, unknown>).b = req('./b');
      },
      'b.js': (m, _e, req) => {
        m.exports = { seen: { ...(req('./a') as object) } };
      },
      'x.js': (m) => {
        if (fail) throw new Error('boom');
        m.exports = 2;
      },
    },
    () => [],
  );
  assert.deepEqual(mods.require('a'), { early: 1, b: { seen: { early: 1 } } });
  assert.throws(() => mods.require('x'), /boom/);
  fail = false;
  assert.equal(mods.require('x'), 2);
});

test('navigation URLs: relative to the current page, rooted, query kept as written', () => {
  assert.deepEqual(parseUrl('/pages/call/call?roomId=r1&userId=a%20b&flag', 'pages/join/join'), { route: 'pages/call/call', query: { roomId: 'r1', userId: 'a%20b', flag: '' } });
  assert.deepEqual(parseUrl('../call/call', 'pages/join/join'), { route: 'pages/call/call', query: {} });
  assert.deepEqual(parseUrl('detail?id=3', 'pages/list/list'), { route: 'pages/list/detail', query: { id: '3' } });
});
