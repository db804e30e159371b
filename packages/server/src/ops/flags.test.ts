import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { AppRegistry } from '../apps/registry.ts';
import { defaultConfig } from '../config.ts';
import { OpsFlagError, applyOpsFlags, type OpsFlagValues } from './flags.ts';

const KEY = 'k'.repeat(16);
const apply = (values: OpsFlagValues, env: NodeJS.ProcessEnv = {}) => {
  const config = defaultConfig(new AppRegistry([]));
  applyOpsFlags(values, config, env);
  return config;
};

test('operator flags: keys from flags or environment, webhooks, usage in the data dir or PostgreSQL', () => {
  const c = apply({ 'admin-key': KEY, 'webhook-url': ['https://a.example/h', 'http://127.0.0.1:9/h'] });
  assert.equal(c.adminKey, KEY);
  assert.equal(c.metricsKey, undefined);
  assert.deepEqual(c.webhooks.urls, ['https://a.example/h', 'http://127.0.0.1:9/h']);
  assert.deepEqual(c.usage, { dataDir: resolve('.rtcroom'), database: undefined, aliveEveryMs: 10_000 });
  const e = apply({ 'data-dir': '/var/lib/rtcroom' }, { RTCROOM_ADMIN_KEY: KEY, RTCROOM_METRICS_KEY: `${KEY}m`, RTCROOM_DATABASE: 'postgres://u@db/rtc' });
  assert.equal(e.adminKey, KEY);
  assert.equal(e.metricsKey, `${KEY}m`);
  assert.deepEqual(e.usage, { dataDir: '/var/lib/rtcroom', database: 'postgres://u@db/rtc', aliveEveryMs: 10_000 });
  assert.equal(apply({ usage: false }).usage, undefined);
});

test('bad operator flags are refused with a clear message', () => {
  const cases: [OpsFlagValues, RegExp][] = [
    [{ 'admin-key': 'short' }, /--admin-key .* at least 16 characters/],
    [{ 'metrics-key': `${KEY} x` }, /--metrics-key .* without spaces/],
    [{ 'admin-key': KEY, 'webhook-url': ['ftp://x/h'] }, /--webhook-url must be an http/],
    [{ 'admin-key': KEY, 'webhook-url': ['not a url'] }, /--webhook-url must be an http/],
    [{ 'webhook-url': ['https://a.example/h'] }, /--webhook-url needs --admin-key/],
    [{ database: 'mysql://u:secret@db/x' }, /--database must be a postgres/],
    [{ database: 'postgres://db/x', usage: false }, /contradict/],
  ];
  for (const [values, want] of cases) assert.throws(() => apply(values), (e) => e instanceof OpsFlagError && want.test(e.message), JSON.stringify(values));
  assert.throws(() => apply({ database: 'mysql://u:secret@db/x' }), (e) => e instanceof Error && !e.message.includes('secret'), 'the password is not echoed');
});

test('recording flags: recordings under the data dir, a length cap; a bad cap is refused', () => {
  assert.deepEqual(apply({}).recording, { dir: resolve('.rtcroom', 'recordings'), maxMinutes: 120 });
  assert.deepEqual(apply({ 'data-dir': '/var/lib/rtcroom', 'max-recording-minutes': '1.5' }).recording, { dir: '/var/lib/rtcroom/recordings', maxMinutes: 1.5 });
  for (const bad of ['0', '-1', 'ten', '1e3', '20000', '']) assert.throws(() => apply({ 'max-recording-minutes': bad }), (e) => e instanceof OpsFlagError && /--max-recording-minutes/.test(e.message), bad);
});
