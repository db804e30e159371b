import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TURBOFAN_INVOCATIONS, tierUpSooner } from './jit-tiering.ts';

test('tierUpSooner sets the TurboFan count unless the command line has one', () => {
  const set: string[] = [];
  assert.equal(tierUpSooner([], (f) => set.push(f)), TURBOFAN_INVOCATIONS);
  assert.deepEqual(set, [`--invocation-count-for-turbofan=${TURBOFAN_INVOCATIONS}`]);
  assert.equal(tierUpSooner(['--invocation-count-for-turbofan=5000'], (f) => set.push(f)), undefined);
  assert.equal(tierUpSooner(['--invocation_count_for_turbofan=9'], (f) => set.push(f)), undefined);
  assert.equal(set.length, 1, 'the command line wins');
});

/** Whether V8 marked a function for TurboFan after it ran 1,200 times, once per event-loop turn (as a packet handler runs). */
function markedAfter1200Calls(sooner: boolean): boolean {
  const url = new URL('./jit-tiering.ts', import.meta.url).href;
  const script = `
    import { tierUpSooner } from ${JSON.stringify(url)};
    if (${sooner}) tierUpSooner();
    function perPacket(b) { let s = b[0]; s ^= b[1] << 8; s += b.length; return s & 0xffff; }
    const b = Buffer.from([1, 2, 3, 4]);
    let n = 0;
    const turn = () => { perPacket(b); if (++n < 1200) setImmediate(turn); };
    %NeverOptimizeFunction(turn); // so that perPacket is not inlined into an optimized caller
    turn();`;
  const r = spawnSync(process.execPath, ['--trace-opt', '--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return /marking \S+ <JSFunction perPacket .*TURBOFAN/.test(r.stdout);
}

test('with tierUpSooner a per-packet function is optimized within 1,200 calls; with V8 default it is not', () => {
  assert.equal(markedAfter1200Calls(true), true);
  assert.equal(markedAfter1200Calls(false), false);
});
