import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageWindow, parseBody, muteBodySchema } from './validation.ts';
import { AdminError } from './errors.ts';

const q = (s: string) => new URLSearchParams(s);
const bad = (fn: () => unknown) => assert.throws(fn, (e) => e instanceof AdminError && e.code === 'bad_request');

test('usageWindow: defaults, ISO dates and Unix ms; bad values refused', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  assert.deepEqual(usageWindow(q(''), now), { from: now - 30 * 86_400_000, to: now });
  assert.deepEqual(usageWindow(q('from=2026-11-01&to=2026-11-02T00:00:00Z'), now), { from: Date.parse('2026-11-01'), to: Date.parse('2026-11-02') });
  assert.deepEqual(usageWindow(q('from=1000&to=2000'), now), { from: 1000, to: 2000 });
  bad(() => usageWindow(q('from=yesterday'), now));
  bad(() => usageWindow(q('from=2026-11-02&to=2026-11-01'), now));
  bad(() => usageWindow(q('from=2024-01-01&to=2026-01-01'), now));
  bad(() => usageWindow(q('since=2026-11-01'), now));
  bad(() => usageWindow(q('to=2026-13-45'), now));
});

test('parseBody: JSON only, schema enforced, empty allowed only when optional', () => {
  assert.deepEqual(parseBody(muteBodySchema, '{"streamType":"screen"}', true), { streamType: 'screen' });
  bad(() => parseBody(muteBodySchema, '', true));
  bad(() => parseBody(muteBodySchema, '{"streamType":"both"}', true));
  bad(() => parseBody(muteBodySchema, '{', true));
});
