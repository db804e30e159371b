import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTtml, resolveTemplatePath, TtmlCompileError } from './ttml-compile.ts';

test('elements, attributes, text bindings with "<" and quotes inside', () => {
  const t = compileTtml(`<view class="a {{on ? 'x' : \"y\"}}" id="v">n {{ a < b }} m</view><input value="{{v}}" /><image src="x.png">`, 'p.ttml');
  assert.equal(t.body.length, 3);
  const v = t.body[0];
  assert.ok(v && v.k === 'el');
  assert.equal(v.tag, 'view');
  assert.deepEqual(Object.keys(v.attrs), ['class', 'id']);
  assert.equal(v.kids.length, 1);
  const input = t.body[1];
  assert.ok(input && input.k === 'el' && input.tag === 'input' && input.kids.length === 0);
  const image = t.body[2];
  assert.ok(image && image.k === 'el' && image.tag === 'image', 'a void element needs no closing tag');
});

test('tt:if / tt:elif / tt:else become one chain; wx: works the same', () => {
  const t = compileTtml('<view tt:if="{{a}}">A</view>\n  <view tt:elif="{{b}}">B</view>\n<view wx:else>C</view><text tt:if="{{c}}"/>', 'p.ttml');
  assert.equal(t.body.length, 2);
  const chain = t.body[0];
  assert.ok(chain && chain.k === 'if');
  assert.equal(chain.branches.length, 3);
  assert.equal(chain.branches[2]?.cond, null);
});

test('tt:for with item, index and key names; events with bind/catch/capture', () => {
  const t = compileTtml('<view tt:for="{{list}}" tt:for-item="u" tt:for-index="i" tt:key="id" bindtap="onTap" catch:input="onIn" capture-bind:tap="cap">{{u.id}}</view>', 'p.ttml');
  const loop = t.body[0];
  assert.ok(loop && loop.k === 'for');
  assert.equal(loop.item, 'u');
  assert.equal(loop.index, 'i');
  assert.equal(loop.key, 'id');
  assert.ok(loop.body.k === 'el');
  assert.deepEqual(
    loop.body.events.map((e) => [e.name, e.stop, e.capture]),
    [
      ['tap', false, false],
      ['input', true, false],
      ['tap', false, true],
    ],
  );
  assert.equal(Object.keys(loop.body.attrs).length, 0, 'directives and events are not attributes');
});

test('templates, imports and includes are resolved against the file', () => {
  const t = compileTtml('<import src="../t/a.ttml"/><template name="row"><text>{{x}}</text></template><template is="row" data="{{x: 1}}"/><include src="/parts/foot"/>', 'pages/p/p.ttml');
  assert.deepEqual(t.imports, ['pages/t/a.ttml']);
  assert.deepEqual(Object.keys(t.templates), ['row']);
  assert.deepEqual(
    t.body.map((n) => n.k),
    ['tpl', 'include'],
  );
  assert.deepEqual(t.body[1], { k: 'include', src: 'parts/foot.ttml' });
  assert.equal(resolveTemplatePath('a/b.ttml', './c.wxml'), 'a/c.wxml');
});

test('errors name the file and line', () => {
  const cases: [string, RegExp][] = [
    ['<view>\n<text>x</view>', /p\.ttml:2: .*<text> \(line 2\) is not closed before <\/view>/],
    ['<view>\n\n<view>', /p\.ttml:3: <view> is never closed/],
    ['<view>\n<text tt:elif="{{a}}"/></view>', /p\.ttml:2: tt:elif without a tt:if before it/],
    ['<view class="{{ a + }}"/>', /p\.ttml:1: class="\{\{ a \+ \}\}": unexpected end of the expression/],
    ['<view>{{ f(1) }}</view>', /function calls are not allowed/],
    ['<sjs src="./a.sjs" module="m"/>', /script modules are not supported/],
    ['<template name="a"/><template name="a"/>', /template "a" is defined twice/],
    ['</view>', /without a matching <view>/],
    ['<view tt:for="{{l}}" tt:for-item="{{x}}"/>', /tt:for-item must be a plain name/],
  ];
  for (const [src, re] of cases) assert.throws(() => compileTtml(src, 'p.ttml'), (e: unknown) => e instanceof TtmlCompileError && re.test(e.message), src);
});
