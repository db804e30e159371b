import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, RtcError, errorPayload, formatDetail } from './errors.ts';

test('errMsg is "<method>:fail <detail>" with placeholders filled', () => {
  const e = new RtcError('alreadyInRoom', 'joinRtcRoom', 'u1', 'r1');
  assert.equal(e.errMsg, 'joinRtcRoom:fail user u1 is already in the room r1');
  assert.deepEqual(e.toPayload(), { errNo: 21100, errorType: 'D', errMsg: 'joinRtcRoom:fail user u1 is already in the room r1' });
  assert.ok(e instanceof Error);
});

test('Douyin codes of the spec', () => {
  assert.equal(new RtcError('invalidToken', 'joinRtcRoom').errMsg, 'joinRtcRoom:fail invalid token');
  assert.equal(ERRORS.invalidToken.errNo, 21101);
  assert.equal(ERRORS.paramError.errNo, 20000);
  assert.equal(ERRORS.authDeny.errNo, 10200);
  const d = new RtcError('destroyed', 'exitRtcRoom').toPayload();
  assert.deepEqual(d, {
    errorCode: 115910,
    errorType: 'D',
    errMsg: 'exitRtcRoom:fail engine has been destroyed,please invoke tt.createRtcRoomContext create new engine',
  });
  assert.equal(new RtcError('updateTokenInvalid', 'updateToken').toPayload().errorCode, 115902);
});

test('error numbers are unique per row except documented aliases', () => {
  const seen = new Map<number, string[]>();
  for (const [name, spec] of Object.entries(ERRORS)) {
    if (!('errNo' in spec)) continue;
    seen.set(spec.errNo, [...(seen.get(spec.errNo) ?? []), name]);
  }
  const shared = [...seen.entries()].filter(([, names]) => names.length > 1).map(([n, names]) => `${n}:${names.sort().join(',')}`);
  assert.deepEqual(shared.sort(), ['10200:authDeny,micAuthDeny', '20000:cameraParamError,notInRoom,paramError,screenParamError', '21101:invalidToken,updateTokenInvalid']);
});

test('formatDetail fills in order and tolerates missing args', () => {
  assert.equal(formatDetail('%s and %s', ['a']), 'a and ');
  assert.equal(formatDetail('no placeholders', ['x']), 'no placeholders');
});

test('fromPayload keeps the received text and finds the row', () => {
  const e = RtcError.fromPayload({ errNo: 21100, errMsg: 'joinRtcRoom:fail user a is already in the room r' }, 'joinRtcRoom');
  assert.equal(e.code, 'alreadyInRoom');
  assert.equal(e.errMsg, 'joinRtcRoom:fail user a is already in the room r');
  assert.equal(e.message, e.errMsg);
  assert.deepEqual(e.toPayload(), { errNo: 21100, errorType: 'D', errMsg: 'joinRtcRoom:fail user a is already in the room r' });
  assert.deepEqual(JSON.parse(JSON.stringify(e)).errNo, 21100);
  assert.equal(RtcError.fromPayload({ errNo: 21101, errorCode: 115902, errMsg: 'updateToken:fail invalid token' }, 'updateToken').code, 'updateTokenInvalid');
  assert.equal(RtcError.fromPayload({ errNo: 1, errMsg: 'x:fail ?' }, 'x').code, 'internal');
});

test('errorPayload is the payload of the same RtcError, without creating one', () => {
  for (const [code, method, args] of [
    ['paramError', 'signaling', ['frame nests deeper than 16 levels']],
    ['alreadyInRoom', 'joinRtcRoom', ['u1', 'r1']],
    ['updateTokenInvalid', 'updateToken', []],
  ] as const) {
    assert.deepEqual(errorPayload(code, method, ...args), new RtcError(code, method, ...args).toPayload());
  }
});
