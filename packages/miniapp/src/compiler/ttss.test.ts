import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTtss, convertRpx, TtssError } from './ttss.ts';

test('rpx becomes a share of the viewport width; other units and names stay', () => {
  assert.equal(convertRpx('a { width: 750rpx; margin: -16rpx .5rpx 0rpx 2px; }'), 'a { width: calc(750 * var(--tt-rpx)); margin: calc(-16 * var(--tt-rpx)) calc(.5 * var(--tt-rpx)) 0px 2px; }');
  assert.equal(convertRpx('.x2rpx { background: url(a-1rpx.png) }'), '.x2rpx { background: url(a-1rpx.png) }');
});

test('@import is inlined relative to the file; comments dropped; missing and circular imports are errors', () => {
  const files: Record<string, string> = {
    'app.ttss': '@import "styles/a.ttss";\n/* note */page { color: red; }',
    'styles/a.ttss': "@import '/styles/b.ttss';\n.a { padding: 10rpx; }",
    'styles/b.ttss': '.b { top: 0 }',
    'loop.ttss': '@import "loop2.ttss";',
    'loop2.ttss': '@import "loop.ttss";',
    'bad.ttss': '@import "nope.ttss";',
  };
  const read = (p: string) => files[p];
  const css = compileTtss('app.ttss', read);
  assert.equal(css.replace(/\s+/g, ' ').trim(), '.b { top: 0 } .a { padding: calc(10 * var(--tt-rpx)); } page { color: red; }');
  assert.throws(() => compileTtss('loop.ttss', read), (e: unknown) => e instanceof TtssError && /circular @import of loop\.ttss/.test(e.message));
  assert.throws(() => compileTtss('bad.ttss', read), /bad\.ttss: @import of missing file nope\.ttss/);
});
