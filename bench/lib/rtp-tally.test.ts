// The lean listener's receive accounting: RTP/RTCP by their clear headers, loss per SSRC from
// sequence gaps, duplicates, wraps and late packets, and a silent listener as 100% loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDatagram, listenerLossPercent, payloadTypeKinds, RtpTally, rtpPayloadOffset, streamsReceived } from './rtp-tally.ts';

/** A clear RTP header (+ 4 payload bytes) with `ssrc`, `seq`, payload type 111 and optional marker. */
function rtp(ssrc: number, seq: number, marker = false): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | 111;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

test('datagrams are told apart by their first bytes', () => {
  assert.equal(classifyDatagram(rtp(1, 1)), 'rtp');
  assert.equal(classifyDatagram(rtp(1, 1, true)), 'rtp');
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200; // sender report
  assert.equal(classifyDatagram(sr), 'rtcp');
  sr[1] = 205; // RTPFB
  assert.equal(classifyDatagram(sr), 'rtcp');
  const stun = Buffer.alloc(20); // binding request: first byte 0
  stun[1] = 1;
  assert.equal(classifyDatagram(stun), 'other');
  const dtls = Buffer.alloc(20);
  dtls[0] = 23; // DTLS application data / alert range 20–63
  assert.equal(classifyDatagram(dtls), 'other');
  assert.equal(classifyDatagram(Buffer.from([0x80, 111])), 'other'); // too short for RTP
});

test('the payload offset skips CSRCs and the header extension', () => {
  assert.equal(rtpPayloadOffset(rtp(1, 1)), 12);
  const b = Buffer.alloc(40);
  b[0] = 0x80 | 0x10 | 2; // extension, 2 CSRCs
  b.writeUInt16BE(0xbede, 20);
  b.writeUInt16BE(2, 22); // two 32-bit words of extension
  assert.equal(rtpPayloadOffset(b), 12 + 8 + 4 + 8);
  b.writeUInt16BE(100, 22);
  assert.equal(rtpPayloadOffset(b), -1);
});

test('no loss: every sequence number once', () => {
  const t = new RtpTally();
  for (let i = 0; i < 500; i++) t.addDatagram(rtp(7, i));
  assert.deepEqual(t.totals(), { received: 500, expected: 500, duplicates: 0, rtcp: 0 });
});

test('gaps are loss, per SSRC', () => {
  const t = new RtpTally();
  for (let i = 0; i < 100; i++) {
    if (i % 10 !== 3) t.add(1, i); // 10 lost of 100
    t.add(2, 1000 + i); // none lost
  }
  const { received, expected } = t.totals();
  assert.equal(expected, 200);
  assert.equal(received, 190);
});

test('duplicates are counted apart and do not hide loss', () => {
  const t = new RtpTally();
  for (let i = 0; i < 10; i++) t.add(1, i);
  assert.equal(t.add(1, 4), false);
  assert.equal(t.addDatagram(rtp(1, 9)), 'duplicate');
  t.add(1, 12); // 10 and 11 lost
  assert.deepEqual(t.totals(), { received: 11, expected: 13, duplicates: 2, rtcp: 0 });
});

test('the sequence number wraps without a jump in expected', () => {
  const t = new RtpTally();
  for (let i = 65500; i < 65536 + 100; i++) t.add(9, i & 0xffff);
  assert.deepEqual(t.totals(), { received: 136, expected: 136, duplicates: 0, rtcp: 0 });
});

test('late packets fill their gap, also across a wrap and below the first one', () => {
  const t = new RtpTally();
  t.add(3, 0);
  t.add(3, 2);
  t.add(3, 1); // late
  t.add(3, 65535); // late, before the first one seen (extended −1)
  assert.deepEqual(t.totals(), { received: 4, expected: 4, duplicates: 0, rtcp: 0 });
  assert.equal(t.add(3, 65535), false);
});

test('RTCP is counted apart from RTP', () => {
  const t = new RtpTally();
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  t.addDatagram(sr);
  t.addDatagram(rtp(0xfffffffe, 5));
  assert.deepEqual(t.totals(), { received: 1, expected: 1, duplicates: 0, rtcp: 1 });
  assert.deepEqual([...t.receivedBySsrc()], [[0xfffffffe, 1]]);
});

test('streams received in a window: only those whose count grew', () => {
  const t = new RtpTally();
  t.add(1, 0);
  t.add(2, 0);
  const before = t.receivedBySsrc();
  t.add(2, 1);
  t.add(3, 0);
  assert.equal(streamsReceived(before, t.receivedBySsrc()), 2);
  assert.equal(streamsReceived(t.receivedBySsrc(), t.receivedBySsrc()), 0);
});

test("a listener's loss: a silent one is 100%, not 0%", () => {
  const c = (received: number, expected: number) => ({ received, expected });
  // it received nothing, so its own sequence numbers expect nothing; its talkers sent 450 for it
  assert.equal(listenerLossPercent(c(0, 0), c(0, 450)), 100);
  assert.equal(listenerLossPercent(c(450, 450), c(450, 450)), 0);
  // a stream that never arrived shows by what the senders sent
  assert.equal(listenerLossPercent(c(300, 300), c(300, 450)), (1 - 300 / 450) * 100);
  // gaps the senders' counts miss show by the sequence numbers
  assert.equal(listenerLossPercent(c(440, 450), c(440, 440)), (1 - 440 / 450) * 100);
  assert.equal(listenerLossPercent(c(0, 0), c(0, 0)), 0);
});

test('payload types map to kinds by their m-line', () => {
  const sdp = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\n';
  assert.deepEqual([...payloadTypeKinds(sdp)], [[111, 'audio'], [63, 'audio'], [96, 'video'], [97, 'video']]);
});
