import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { validate } from './validate.ts';
import { REQUEST_PARAMS, requestEnvelopeSchema, isRequestMethod } from './messages.ts';

const join = REQUEST_PARAMS.joinRtcRoom;
const good = { appId: 'a'.repeat(24), roomId: 'call_1', userId: 'user-é'.replace('é', 'e'), token: 't' };

test('valid join params pass and unknown keys are dropped', () => {
  const r = validate(join, { ...good, success: () => {}, extra: 1 });
  assert.equal(r.ok, true);
  assert.ok(r.ok && !('extra' in r.value));
});

test('ids follow [a-zA-Z0-9_@-.]{1,128}', () => {
  for (const id of ['a', 'A.b-c_d@e', 'x'.repeat(128)]) assert.equal(validate(join, { ...good, roomId: id }).ok, true, id);
  for (const id of ['', 'has space', 'x'.repeat(129), 'é', 'a/b', 'a#b']) {
    const r = validate(join, { ...good, roomId: id });
    assert.equal(r.ok, false, id);
    assert.ok(!r.ok && r.detail.startsWith('params.roomId should match [a-zA-Z0-9_@\\-\\.]{1,128}, but got'), !r.ok ? r.detail : '');
  }
});

test('wrong types name the field, the expected type and what came', () => {
  const r = validate(join, { ...good, userId: 42 });
  assert.deepEqual(r, { ok: false, detail: 'params.userId should be string, but got number' });
  const missing = validate(join, { ...good, token: undefined });
  assert.deepEqual(missing, { ok: false, detail: 'params.token is required (string)' });
  const nested = validate(join, { ...good, roomConfig: { autoPublish: 'yes' } });
  assert.deepEqual(nested, { ok: false, detail: 'params.roomConfig.autoPublish should be boolean, but got string' });
  const notObject = validate(join, null);
  assert.deepEqual(notObject, { ok: false, detail: 'params should be object, but got null' });
});

test('enum values are listed in the Douyin style', () => {
  const r = validate(z.object({ streamType: z.enum(['audio', 'video', 'both']) }), { streamType: 'xxx' });
  assert.deepEqual(r, { ok: false, detail: 'expect params.streamType to be one of "audio", "video", "both", but got "xxx"' });
});

test('envelope: id must be a non-negative integer, method a string', () => {
  assert.equal(requestEnvelopeSchema.safeParse({ id: 1, method: 'ping' }).success, true);
  for (const bad of [{ id: -1, method: 'ping' }, { id: 1.5, method: 'ping' }, { id: '1', method: 'ping' }, { id: 1 }, { id: 1, method: '' }, [], 'x']) {
    assert.equal(requestEnvelopeSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test('isRequestMethod knows only own keys', () => {
  assert.equal(isRequestMethod('joinRtcRoom'), true);
  assert.equal(isRequestMethod('toString'), false);
  assert.equal(isRequestMethod('__proto__'), false);
});
