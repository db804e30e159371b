import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCode, formatReport, tally, type Check } from './report.ts';

const CHECKS: Check[] = [
  { section: 'interfaces', status: 'ok', text: 'eth0 10.0.0.5: private' },
  { section: 'signaling', status: 'ok', text: 'rtcroom answers' },
  { section: 'interfaces', status: 'warn', text: 'no public IPv4\naddress' },
  { section: 'turn', status: 'fail', text: 'turn:t:3478 (UDP): nothing answers' },
];

test('the report: sections in first-seen order, one line per check, labels aligned, a summary', () => {
  assert.equal(
    formatReport(CHECKS),
    [
      'interfaces',
      '  ok    eth0 10.0.0.5: private',
      '  warn  no public IPv4 address',
      'signaling',
      '  ok    rtcroom answers',
      'turn',
      '  FAIL  turn:t:3478 (UDP): nothing answers',
      '',
      '2 ok, 1 warn, 1 FAIL: clients may fail to connect: see the FAIL lines',
    ].join('\n'),
  );
  assert.match(formatReport(CHECKS.slice(0, 3)), /\n2 ok, 1 warn, 0 FAIL: nothing failed; read the warnings$/);
  assert.match(formatReport(CHECKS.slice(0, 2)), /\n2 ok, 0 warn, 0 FAIL: nothing failed$/);
});

test('exit code: 1 when anything failed, warnings do not count', () => {
  assert.equal(exitCode(CHECKS), 1);
  assert.equal(exitCode(CHECKS.slice(0, 3)), 0);
  assert.equal(exitCode([]), 0);
  assert.deepEqual(tally(CHECKS), { ok: 2, warn: 1, fail: 1 });
});
