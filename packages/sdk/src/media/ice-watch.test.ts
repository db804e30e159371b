import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IceWatch } from './ice-watch.ts';

/** A connection whose state the test sets, with a selected pair last heard from `age` ms ago. */
class FakePc extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';
  age: number | undefined = 10;
  set(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
  async getStats(): Promise<Map<string, unknown>> {
    const now = 1000;
    const stats = new Map<string, unknown>([['T', { type: 'transport', id: 'T', selectedCandidatePairId: 'P' }]]);
    if (this.age !== undefined) stats.set('P', { type: 'candidate-pair', id: 'P', timestamp: now, lastPacketReceivedTimestamp: now - this.age });
    return stats;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(opts: { signaling?: () => boolean; connectOnRestart?: boolean } = {}) {
  const pc = new FakePc();
  const log: string[] = [];
  const watch = new IceWatch(pc as unknown as RTCPeerConnection, {
    signalingUp: opts.signaling ?? (() => true),
    restart: async () => {
      log.push('restart');
      if (opts.connectOnRestart) setTimeout(() => pc.set('connected'), 5);
    },
    giveUp: () => log.push('giveUp'),
  }, { disconnectedMs: 40, restartTimeoutMs: 60, attempts: 2 });
  return { pc, log, watch };
}

test('a short disconnect that heals by itself restarts nothing', async () => {
  const { pc, log, watch } = setup();
  pc.set('connected');
  pc.set('disconnected');
  await sleep(20);
  pc.set('connected');
  await sleep(60);
  assert.deepEqual(log, []);
  watch.close();
});

test('a lasting disconnect restarts ICE once it is back', async () => {
  const { pc, log, watch } = setup({ connectOnRestart: true });
  pc.set('connected');
  pc.set('disconnected');
  await sleep(100);
  assert.deepEqual(log, ['restart']);
  assert.equal(watch.restarts, 1);
  assert.equal(pc.connectionState, 'connected');
  watch.close();
});

test('failed restarts at once; restarts that do not connect give up after the attempts', async () => {
  const { pc, log, watch } = setup();
  pc.set('connected');
  pc.set('failed');
  await sleep(10);
  assert.deepEqual(log, ['restart']);
  await sleep(200);
  assert.deepEqual(log, ['restart', 'restart', 'giveUp']);
  watch.close();
});

test('no restart while signaling is down; kick() after the resume restarts a down connection', async () => {
  let up = false;
  const { pc, log, watch } = setup({ signaling: () => up });
  pc.set('connected');
  pc.set('failed');
  await sleep(100);
  assert.deepEqual(log, [], 'waits for signaling');
  up = true;
  watch.kick();
  await sleep(10);
  assert.deepEqual(log, ['restart']);
  watch.close();
});

test('kick() restarts a connection the browser still calls connected when nothing arrived lately, and only then', async () => {
  const fresh = setup();
  fresh.pc.set('connected');
  fresh.watch.kick();
  await sleep(10);
  assert.deepEqual(fresh.log, [], 'a live path is left alone');
  fresh.watch.close();

  const stale = setup();
  stale.pc.set('connected');
  stale.pc.age = 2500;
  stale.watch.kick();
  await sleep(10);
  assert.deepEqual(stale.log, ['restart']);
  stale.watch.close();
});

test('after a kick, a connection going down is restarted without the usual wait', async () => {
  const { pc, log, watch } = setup();
  pc.set('connected');
  watch.kick();
  await sleep(5);
  pc.set('disconnected');
  await sleep(5);
  assert.deepEqual(log, ['restart']);
  watch.close();
});

test('close() stops everything', async () => {
  const { pc, log, watch } = setup();
  pc.set('connected');
  watch.close();
  pc.set('failed');
  await sleep(80);
  assert.deepEqual(log, []);
});
