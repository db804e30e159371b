import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTtml } from '../compiler/ttml-compile.ts';
import type { CompiledTemplate } from '../ir.ts';
import { datasetKey, render } from './render.ts';
import type { VEl, VNode } from './vnode.ts';

function setup(files: Record<string, string>) {
  const templates: Record<string, CompiledTemplate> = {};
  for (const [p, src] of Object.entries(files)) templates[p] = compileTtml(src, p);
  const warnings: string[] = [];
  const env = { templates, warn: (m: string) => warnings.push(m) };
  return { run: (data: Record<string, unknown>, file = Object.keys(files)[0] as string) => render(templates[file] as CompiledTemplate, data, env), warnings };
}

/** Text of a rendered tree, for compact assertions. */
function text(nodes: VNode[]): string {
  return nodes.map((n) => (n.kind === 'text' ? n.text : `<${n.tag}>${text(n.kids)}</${n.tag}>`)).join('');
}

test('conditionals: the first true branch renders, else otherwise', () => {
  const { run } = setup({ 'p.ttml': '<view tt:if="{{n > 1}}">many</view><view tt:elif="{{n === 1}}">one</view><view tt:else>none</view>' });
  assert.equal(text(run({ n: 5 })), '<view>many</view>');
  assert.equal(text(run({ n: 1 })), '<view>one</view>');
  assert.equal(text(run({})), '<view>none</view>');
});

test('loops: item/index names, keys from a field or *this, blocks flattened, nested loops', () => {
  const { run, warnings } = setup({
    'p.ttml': `<view tt:for="{{users}}" tt:for-item="u" tt:for-index="i" tt:key="id">{{i}}:{{u.name}}</view>
<block tt:for="{{tags}}" tt:key="*this"><text>{{item}}</text><text>!</text></block>
<view tt:for="{{rows}}" tt:for-item="row"><text tt:for="{{row}}">{{item}}</text></view>
<text tt:for="{{3}}">{{index}}</text>`,
  });
  const out = run({ users: [{ id: 'a', name: 'Ann' }, { id: 'b', name: 'Bo' }], tags: ['x', 'y'], rows: [[1, 2], [3]] });
  assert.equal(text(out), '<view>0:Ann</view><view>1:Bo</view><text>x</text><text>!</text><text>y</text><text>!</text><view><text>1</text><text>2</text></view><view><text>3</text></view><text>0</text><text>1</text><text>2</text>');
  const keys = out.map((n) => n.key);
  assert.equal(new Set(keys).size, keys.length, 'keys are unique among siblings');
  // a keyed item keeps its key when the list is reordered
  const again = run({ users: [{ id: 'b', name: 'Bo' }, { id: 'a', name: 'Ann' }], tags: [], rows: [] });
  assert.equal(again[0]?.key, out[1]?.key);
  assert.equal(again[1]?.key, out[0]?.key);
  assert.deepEqual(warnings, []);
  run({ users: [{ id: 'a' }, { id: 'a' }], tags: [], rows: [] });
  assert.match(warnings[0] ?? '', /duplicate value "a"/);
});

test('loops over objects give key as index and value as item', () => {
  const { run } = setup({ 'p.ttml': '<text tt:for="{{o}}">{{index}}={{item}};</text>' });
  assert.equal(text(run({ o: { a: 1, b: 2 } })), '<text>a=1;</text><text>b=2;</text>');
  assert.equal(text(run({ o: null })), '');
});

test('events carry the handler name; data-* attributes become the dataset, camel-cased, values typed', () => {
  const { run } = setup({ 'p.ttml': '<view tt:for="{{list}}" data-user-id="{{item.id}}" data-n="{{index}}" data-fixed="x" bindtap="{{mode}}Tap" catchlongpress="hold">{{item.id}}</view>' });
  const [first] = run({ list: [{ id: 'u1' }], mode: 'on' }) as VEl[];
  assert.ok(first);
  assert.deepEqual(first.dataset, { userId: 'u1', n: 0, fixed: 'x' });
  assert.deepEqual(
    first.events.map((e) => [e.name, e.handler, e.stop]),
    [
      ['tap', 'onTap', false],
      ['longpress', 'hold', true],
    ],
  );
  assert.equal(datasetKey('data-userId'), 'userid');
});

test('class, style and hidden bindings are evaluated', () => {
  const { run } = setup({ 'p.ttml': `<view class="tile {{active ? 'on' : ''}}" style="width: {{w}}rpx; color: {{c}}" hidden="{{!show}}"/>` });
  const [v] = run({ active: true, w: 100, c: 'red', show: false }) as VEl[];
  assert.deepEqual(v?.attrs, { class: 'tile on', style: 'width: 100rpx; color: red', hidden: true });
});

test('templates: own data scope, imported (not transitively), include inlines the body', () => {
  const { run, warnings } = setup({
    'pages/p.ttml': '<import src="../t/row.ttml"/><template is="{{kind}}" data="{{...user, extra: 1}}"/><template is="deep"/><include src="../t/foot.ttml"/>',
    't/row.ttml': '<import src="deep.ttml"/><template name="row"><text>{{name}}/{{extra}}/{{secret}}</text></template>',
    't/deep.ttml': '<template name="deep"><text>deep</text></template>',
    't/foot.ttml': '<template name="hidden"><text>no</text></template><view>foot {{secret}}</view>',
  });
  const out = run({ kind: 'row', user: { name: 'Ann' }, secret: 's' }, 'pages/p.ttml');
  assert.equal(text(out), '<text>Ann/1/</text><view>foot s</view>');
  assert.match(warnings.join('\n'), /no template named "deep"/);
});
