import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon } from './addon.ts';
import { chooseSendPath, nativeModeFromEnv, sendPathHealth } from './send-path.ts';

const MISSING = join(tmpdir(), 'rtcroom-no-such-dir', 'rtcroom_native.node');

test('auto without the module runs the JavaScript path and says why; on refuses to start; off never loads it', () => {
  const auto = chooseSendPath('auto', MISSING);
  assert.equal(auto.path, 'js');
  assert.equal(auto.addon, undefined);
  assert.match(auto.reason ?? '', /not built .*C compiler/);
  assert.deepEqual(sendPathHealth(auto), { path: 'js', reason: auto.reason });
  assert.throws(() => chooseSendPath('on', MISSING), /--native on: the native module not built/);
  const off = chooseSendPath('off', MISSING);
  assert.equal(off.path, 'js');
  assert.match(off.reason ?? '', /off/);
});

test('a file that is not a loadable module is reported, not thrown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-native-'));
  const fake = join(dir, 'rtcroom_native.node');
  writeFileSync(fake, 'not an ELF file');
  const load = loadNativeAddon(fake);
  assert.equal(load.addon, undefined);
  assert.match(load.reason ?? '', /cannot be loaded/);
  assert.equal(chooseSendPath('auto', fake).path, 'js');
});

test('the built module is taken by auto and on, and shows its send counters', () => {
  const on = chooseSendPath('on');
  assert.equal(on.path, 'native');
  assert.ok(on.addon);
  const health = sendPathHealth(on);
  assert.equal(health.path, 'native');
  assert.deepEqual(Object.keys(health.sends ?? {}).sort(), ['dropped', 'lastErrno', 'queued', 'sent', 'syscalls']);
  assert.equal(typeof health.receivedNatively, 'number');
  assert.equal(chooseSendPath('auto').path, 'native');
});

test('RTCROOM_NATIVE: unset or empty is auto, any case of off/auto/on, anything else a clear error', () => {
  assert.equal(nativeModeFromEnv({}), 'auto');
  assert.equal(nativeModeFromEnv({ RTCROOM_NATIVE: '' }), 'auto');
  assert.equal(nativeModeFromEnv({ RTCROOM_NATIVE: 'OFF' }), 'off');
  assert.equal(nativeModeFromEnv({ RTCROOM_NATIVE: ' on ' }), 'on');
  assert.throws(() => nativeModeFromEnv({ RTCROOM_NATIVE: 'yes' }), /RTCROOM_NATIVE must be one of off, auto, on; got "yes"/);
});
