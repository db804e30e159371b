// The strict text-format parser accepts prom-client's output and refuses malformed expositions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { parsePromText } from './prom-text.ts';

test('parses counters and labelled histograms with their _count and _sum', async () => {
  const registry = new Registry();
  new Counter({ name: 'x_total', help: 'x', labelNames: ['w'], registers: [registry] }).inc({ w: 'a"\\\n' }, 3);
  const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['result'], buckets: [0.1, 1], registers: [registry] });
  h.observe({ result: 'ok' }, 0.05);
  h.observe({ result: 'ok' }, 0.5);
  const f = parsePromText(await registry.metrics());
  assert.deepEqual(f.get('x_total')!.samples, [{ name: 'x_total', labels: { w: 'a"\\\n' }, value: 3 }]);
  const hs = f.get('h_seconds')!;
  assert.equal(hs.type, 'histogram');
  assert.deepEqual(hs.samples.find((s) => s.name === 'h_seconds_count'), { name: 'h_seconds_count', labels: { result: 'ok' }, value: 2 });
  assert.equal(hs.samples.find((s) => s.name === 'h_seconds_sum')!.value, 0.55);
});

test('refuses malformed expositions', () => {
  const bad = [
    'x 1\n', // no TYPE
    '# TYPE x gauge\nx 1', // no final newline
    '# TYPE x gauge\nx one\n',
    '# TYPE x gauge\nx{a="1} 1\n',
    '# TYPE x gauge\nx{1a="1"} 1\n',
    '# TYPE x counter\nx 1\n', // counter not *_total
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n',
  ];
  for (const text of bad) assert.throws(() => parsePromText(text), Error, JSON.stringify(text));
});
