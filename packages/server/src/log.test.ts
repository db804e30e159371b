import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './log.ts';

test('one JSON line per call: level, ISO time, msg, fields, child fields; below the level nothing; errors with name and message', () => {
  const lines: string[] = [];
  const log = createLogger('info', { node: 'n1' }, (l) => lines.push(l));
  log.debug('hidden');
  log.info('joined', { roomId: 'r1' });
  log.child({ session: 7 }).warn('slow reader', { err: new Error('boom') });
  assert.equal(lines.length, 2);
  const [a, b] = lines.map((l) => {
    assert.ok(l.endsWith('\n'));
    return JSON.parse(l) as Record<string, unknown>;
  });
  assert.deepEqual({ ...a, time: undefined }, { level: 'info', time: undefined, node: 'n1', roomId: 'r1', msg: 'joined' });
  assert.ok(!Number.isNaN(Date.parse(a!.time as string)));
  assert.equal(b!.level, 'warn');
  assert.equal(b!.session, 7);
  assert.equal(b!.node, 'n1');
  const err = b!.err as { name: string; message: string; stack: string };
  assert.equal(err.name, 'Error');
  assert.equal(err.message, 'boom');
  assert.match(err.stack, /log\.test\.ts/);
  const silent: string[] = [];
  createLogger('silent', {}, (l) => silent.push(l)).error('nothing');
  assert.equal(silent.length, 0);
});
