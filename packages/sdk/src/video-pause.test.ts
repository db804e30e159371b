import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoPauseState } from './video-pause.ts';

test('the app hears changes only: a repeated state (after a resume) is dropped', () => {
  const s = new VideoPauseState();
  assert.equal(s.heard(false), false, 'not paused to begin with');
  assert.equal(s.heard(true), true);
  assert.equal(s.heard(true), false, 'the server repeating its state after a resume');
  assert.equal(s.heard(false), true);
  assert.equal(s.paused, false);
});

test('a rejoin while paused tells the app video resumed, once; the new member may pause it again', () => {
  const s = new VideoPauseState();
  s.heard(true);
  assert.equal(s.rejoined(), true, 'the new member starts unpaused: the app must hear 21957');
  assert.equal(s.paused, false);
  assert.equal(s.rejoined(), false, 'nothing more to tell');
  assert.equal(s.heard(true), true, "the new member's own pause is heard");
});

test('a rejoin while playing tells nothing', () => {
  assert.equal(new VideoPauseState().rejoined(), false);
});
