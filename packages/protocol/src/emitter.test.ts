import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from './emitter.ts';

type Events = { joined: [string]; left: [string, number] };

test('emit reaches every listener even when one throws', () => {
  const e = new TypedEmitter<Events>();
  const errors: unknown[] = [];
  e.onListenerError = (err) => errors.push(err);
  const got: string[] = [];
  e.on('joined', () => {
    throw new Error('boom');
  });
  e.on('joined', (u) => got.push(u));
  assert.equal(e.emit('joined', 'a'), true);
  assert.deepEqual(got, ['a']);
  assert.equal(errors.length, 1);
});

test('same function registers once; off(fn) removes it; off() removes all', () => {
  const e = new TypedEmitter<Events>();
  let n = 0;
  const f = (): void => {
    n++;
  };
  e.on('left', f).on('left', f);
  e.emit('left', 'a', 1);
  assert.equal(n, 1);
  e.off('left', f);
  assert.equal(e.emit('left', 'a', 1), false);
  e.on('left', f).on('left', () => n++);
  e.off('left');
  assert.equal(e.listenerCount('left'), 0);
});

test('a listener removed during emit does not break the loop', () => {
  const e = new TypedEmitter<Events>();
  const calls: string[] = [];
  const second = (): void => {
    calls.push('second');
  };
  e.on('joined', () => {
    calls.push('first');
    e.off('joined', second);
  });
  e.on('joined', second);
  e.emit('joined', 'x');
  assert.deepEqual(calls, ['first', 'second']);
  e.emit('joined', 'x');
  assert.deepEqual(calls, ['first', 'second', 'first']);
});
