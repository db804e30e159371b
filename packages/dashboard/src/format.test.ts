import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatKbps, formatLoss, formatMinutes, lossLevel, loudness, usageQuery } from './format.ts';

test('formatKbps: zero, small, kbps, Mbps', () => {
  assert.equal(formatKbps(0), '0');
  assert.equal(formatKbps(-3), '0');
  assert.equal(formatKbps(Number.NaN), '0');
  assert.equal(formatKbps(3.26), '3.3 kbps');
  assert.equal(formatKbps(849.6), '850 kbps');
  assert.equal(formatKbps(1250), '1.25 Mbps');
});

test('formatLoss and lossLevel', () => {
  assert.equal(formatLoss(0), '0%');
  assert.equal(formatLoss(2.46), '2.5%');
  assert.equal(formatLoss(100), '100%');
  assert.equal(lossLevel(0.9), 'ok');
  assert.equal(lossLevel(1), 'warn');
  assert.equal(lossLevel(4.9), 'warn');
  assert.equal(lossLevel(5), 'bad');
});

test('formatDuration: seconds, minutes, hours, days; never negative', () => {
  assert.equal(formatDuration(1000, 500), '0 s');
  assert.equal(formatDuration(0, 42_900), '42 s');
  assert.equal(formatDuration(0, 185_000), '3 min 05 s');
  assert.equal(formatDuration(0, 3_720_000), '1 h 02 min');
  assert.equal(formatDuration(0, 2 * 86_400_000 + 3 * 3_600_000 + 59_000), '2 d 3 h');
});

test('loudness maps -dBov to 0–1', () => {
  assert.equal(loudness(0), 1);
  assert.equal(loudness(40), 0.5);
  assert.equal(loudness(80), 0);
  assert.equal(loudness(127), 0);
});

test('formatMinutes rounds to one decimal with thousands separators', () => {
  assert.equal(formatMinutes(0), '0');
  assert.equal(formatMinutes(12.46), '12.5');
  assert.equal(formatMinutes(1234), '1,234');
});

test('usageQuery: the window ending now', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  assert.equal(usageQuery('24h', now), 'from=2026-11-27T12%3A00%3A00.000Z&to=2026-11-28T12%3A00%3A00.000Z');
  assert.match(usageQuery('7d', now), /^from=2026-11-21T12/);
});
