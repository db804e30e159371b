import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher, type Delivery } from './dispatcher.ts';

const opts = { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, queueLimit: 100 };
const d = (room: string, n: number): Delivery => ({ id: `${room}${n}`, roomKey: room, body: `${room}${n}` });
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const log: string[] = [];
  const hooks = { attempt: (r: string, x: Delivery) => log.push(`${r}:${x.id}`), dropped: (x: Delivery) => log.push(`dropped:${x.id}`), queued: () => undefined };
  return { log, hooks };
}

test('events of a room go one at a time in order; a failing head is retried before the next', async () => {
  const sent: string[] = [];
  let failures = 2;
  const { log, hooks } = recorder();
  const disp = new Dispatcher(async (x) => {
    sent.push(x.id);
    await tick();
    if (x.id === 'a1' && failures-- > 0) return { ok: false, detail: 'HTTP 500' };
    return { ok: true, detail: 'HTTP 200' };
  }, opts, hooks);
  for (let i = 1; i <= 3; i++) disp.enqueue(d('a', i));
  while (disp.backlog > 0) await tick(5);
  assert.deepEqual(sent, ['a1', 'a1', 'a1', 'a2', 'a3']);
  assert.deepEqual(log, ['failed:a1', 'failed:a1', 'ok:a1', 'ok:a2', 'ok:a3']);
});

test('rooms do not wait for each other; an event is given up after maxAttempts', async () => {
  const sent: string[] = [];
  const { log, hooks } = recorder();
  const disp = new Dispatcher(async (x) => {
    sent.push(x.id);
    await tick();
    return { ok: x.roomKey !== 'bad', detail: '' };
  }, opts, hooks);
  disp.enqueue(d('bad', 1));
  disp.enqueue(d('good', 1));
  disp.enqueue(d('good', 2));
  await tick(3);
  assert.ok(log.includes('ok:good1'), 'the good room went on while the bad one waits');
  while (disp.backlog > 0) await tick(5);
  assert.deepEqual(log.filter((l) => l.endsWith('bad1')), ['failed:bad1', 'failed:bad1', 'gave_up:bad1']);
});

test('a full backlog drops the oldest waiting event, never the one being sent', async () => {
  const { log, hooks } = recorder();
  let release: () => void = () => undefined;
  const disp = new Dispatcher((x) => new Promise((r) => (release = () => r({ ok: true, detail: x.id }))), { ...opts, queueLimit: 1 }, hooks);
  disp.enqueue(d('a', 1)); // in flight
  disp.enqueue(d('a', 2));
  disp.enqueue(d('b', 1)); // in flight too (another room)
  disp.enqueue(d('a', 3)); // two waiting, one allowed: a2 (the oldest) goes
  assert.deepEqual(log, ['dropped:a2']);
  assert.equal(disp.backlog, 3);
  release();
  await tick();
  assert.equal(disp.close(), 2);
});
