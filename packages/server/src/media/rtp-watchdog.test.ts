import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpWatchdog, stalledEvent } from './rtp-watchdog.ts';

function setup(watched: Set<string>) {
  let now = 0;
  const stalls: [string, number][] = [];
  const w = new RtpWatchdog<string>({
    stallMs: 5000,
    everyMs: 1000,
    isWatched: (s) => watched.has(s),
    onStall: (s, ms) => stalls.push([s, ms]),
    now: () => now,
  });
  /** Advances the clock second by second, ticking, with `perSecond` packets on `flowing` sources. */
  const run = (seconds: number, flowing: string[] = []): void => {
    for (let i = 0; i < seconds; i++) {
      now += 1000;
      for (const s of flowing) w.counter(s).n += 30;
      w.tick();
    }
  };
  return { w, stalls, run };
}

test('a watched source silent for stallMs is reported once; flowing or unwatched ones are not', () => {
  const watched = new Set(['video', 'screen']);
  const { w, stalls, run } = setup(watched);
  w.counter('video');
  w.counter('screen');
  w.counter('other'); // declared but not published: never reported
  run(4, ['screen']);
  assert.deepEqual(stalls, []);
  run(2, ['screen']);
  assert.deepEqual(stalls, [['video', 5000]]);
  run(10, ['screen']);
  assert.deepEqual(stalls, [['video', 5000]], 'once per silence');
});

test('packets re-arm the watchdog; unpublishing resets the silence', () => {
  const watched = new Set(['video']);
  const { w, stalls, run } = setup(watched);
  w.counter('video');
  run(6);
  assert.equal(stalls.length, 1);
  run(3, ['video']); // flows again
  run(6);
  assert.equal(stalls.length, 2, 'a new silence is reported again');
  // silence while unpublished does not count
  watched.delete('video');
  run(20);
  watched.add('video');
  run(4);
  assert.equal(stalls.length, 2);
  run(2);
  assert.equal(stalls.length, 3);
});

test('start/stop tick on a timer', async () => {
  let ticks = 0;
  const w = new RtpWatchdog<string>({ stallMs: 1, everyMs: 10, isWatched: () => true, onStall: () => ticks++ });
  w.counter('video');
  w.start();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // a loaded machine may run the timer late: wait for the report, then some more ticks
  for (let waited = 0; ticks === 0 && waited < 5000; waited += 10) await sleep(10);
  await sleep(60);
  assert.equal(ticks, 1, 'reported once, not on every tick');
  w.stop();
  await sleep(40);
  assert.equal(ticks, 1);
});

test('stalledEvent: the 21908 stateChanged frame a member gets', () => {
  assert.deepEqual(stalledEvent('video', 5000), {
    event: 'stateChanged',
    data: { errNo: 21908, errMsg: 'onRtcStateChanged:fail media failed: no video received for 5000 ms', data: { reason: 'mediaStalled', source: 'video', silentMs: 5000 } },
  });
});
