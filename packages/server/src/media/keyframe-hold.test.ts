import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket } from 'werift';
import { HOLD_ARM_MS, HOLD_MAX_AGE_MS, HOLD_MAX_PACKETS, KeyframeHold } from './keyframe-hold.ts';

const packet = (seq: number): RtpPacket => new RtpPacket(new RtpHeader({ sequenceNumber: seq, payloadType: 96, ssrc: 1 }), Buffer.from([seq & 0xff]));

/** The sequence numbers (and layers) a replay at `now` hands out. */
function replayed(hold: KeyframeHold, now: number): string[] {
  const out: string[] = [];
  hold.replay(now, (p, layer) => out.push(`${layer}:${p.header.sequenceNumber}`));
  return out;
}

test('unarmed, nothing is kept; armed, the packets from a keyframe on are, as copies', () => {
  const hold = new KeyframeHold();
  hold.add(packet(1), 0, true, 0);
  assert.equal(hold.size, 0);
  hold.arm(10);
  hold.add(packet(2), 0, false, 11); // before any keyframe: useless
  const key = packet(3);
  hold.add(key, 0, true, 12);
  hold.add(packet(4), 0, false, 13);
  assert.deepEqual(replayed(hold, 20), ['0:3', '0:4']);
  // the producer's buffer may be reused: the hold has its own copy
  key.payload[0] = 99;
  hold.replay(20, (p) => assert.notEqual(p.payload[0], 99));
});

test('a newer keyframe replaces the older one; a keyframe too old is not replayed', () => {
  const hold = new KeyframeHold();
  hold.arm(0);
  hold.add(packet(1), 0, true, 0);
  hold.add(packet(2), 0, false, 10);
  hold.add(packet(3), 0, true, 20);
  hold.add(packet(4), 0, false, 30);
  assert.deepEqual(replayed(hold, 40), ['0:3', '0:4']);
  assert.equal(hold.size, 2);
  assert.deepEqual(replayed(hold, 20 + HOLD_MAX_AGE_MS + 1), []);
});

test('simulcast: each layer from its own keyframe, in arrival order', () => {
  const hold = new KeyframeHold();
  hold.arm(0);
  hold.add(packet(100), 1, false, 0); // layer 1 before its keyframe
  hold.add(packet(1), 0, true, 1);
  hold.add(packet(101), 1, false, 2); // still before layer 1's keyframe
  hold.add(packet(2), 0, false, 3);
  hold.add(packet(102), 1, true, 4);
  hold.add(packet(3), 0, false, 5);
  assert.deepEqual(replayed(hold, 10), ['0:1', '0:2', '1:102', '0:3']);
});

test('the hold ends when it is no longer armed, and holds at most its bound', () => {
  const hold = new KeyframeHold();
  hold.arm(0);
  hold.add(packet(1), 0, true, 0);
  hold.add(packet(2), 0, false, HOLD_ARM_MS + 1);
  assert.equal(hold.size, 0);
  assert.deepEqual(replayed(hold, HOLD_ARM_MS + 2), []);
  const busy = new KeyframeHold();
  busy.arm(0);
  busy.add(packet(0), 0, true, 0);
  for (let i = 1; i <= HOLD_MAX_PACKETS; i++) busy.add(packet(i), 0, false, 1);
  // past the bound without a new keyframe: nothing left to start on
  assert.equal(busy.size, 0);
  busy.add(packet(5000), 0, true, 2);
  assert.deepEqual(replayed(busy, 3), ['0:5000']);
});
