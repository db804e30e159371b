import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpReceiver } from 'werift';
import { leanEvent, leanEvents, lightenReceiver } from './werift-receive.ts';

test('a lean event calls its subscribers as werift does, and its queued subscribers only when it has some', async () => {
  const ev = new Event<[number, string]>();
  const seen: string[] = [];
  ev.subscribe((n, s) => void seen.push(`sync ${n}${s}`));
  leanEvent(ev);
  const before = ev.execute;
  leanEvent(ev); // once
  assert.equal(ev.execute, before);
  ev.execute(1, 'a');
  assert.deepEqual(seen, ['sync 1a']);
  ev.queuingSubscribe(async (n, s) => {
    await new Promise((r) => setTimeout(r, 1));
    seen.push(`queued ${n}${s}`);
  });
  ev.execute(2, 'b');
  assert.deepEqual(seen, ['sync 1a', 'sync 2b'], 'queued subscribers run after execute returns');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['sync 1a', 'sync 2b', 'queued 2b']);
  // a queued subscriber's failure reaches onerror, as in werift
  const errors: unknown[] = [];
  const failing = new Event<[]>();
  failing.onerror = (e) => void errors.push(e);
  failing.queuingSubscribe(async () => {
    throw new Error('boom');
  });
  leanEvent(failing);
  failing.execute();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal((errors[0] as Error).message, 'boom');
  // an ended event calls nobody
  ev.complete();
  ev.execute(3, 'c');
  assert.equal(seen.length, 3);
  leanEvent(undefined); // not an event: ignored
  leanEvent({ execute: () => undefined });
});

test('leanEvents reaches the per-packet events of a connection', async () => {
  const pc = new RTCPeerConnection();
  try {
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const events = [t.receiver.onRtcp, t.sender.onRtcp, pc.dtlsTransports[0]!.onRtp, pc.dtlsTransports[0]!.onRtcp];
    const originals = events.map((e) => e.execute);
    leanEvents(pc);
    events.forEach((e, i) => assert.notEqual(e.execute, originals[i]));
  } finally {
    await pc.close();
  }
});

test('a lightened receiver sorts its codecs once per negotiation and names them once, with werift\'s results', async () => {
  const pc = new RTCPeerConnection();
  try {
    const werift = pc.addTransceiver('video', { direction: 'recvonly' }).receiver;
    const receiver = werift as unknown as { codecArray: RTCRtpCodecParameters[]; prepareReceive(p: unknown): void; runRtcp(): unknown; rtcpRunning: boolean };
    const vp8 = new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 });
    const rtx = new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' });
    receiver.prepareReceive({ codecs: [rtx, vp8], encodings: [] });
    const sortedByWerift = receiver.codecArray.map((c) => c.payloadType);
    lightenReceiver(werift as RTCRtpReceiver);
    const first = receiver.codecArray;
    assert.deepEqual(first.map((c) => c.payloadType), sortedByWerift);
    assert.equal(receiver.codecArray, first, 'kept');
    assert.deepEqual([vp8.name, rtx.name], ['VP8', 'rtx']);
    const h264 = new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: 95 });
    receiver.prepareReceive({ codecs: [h264], encodings: [] });
    assert.deepEqual(receiver.codecArray.map((c) => c.payloadType), [95, 96, 97], 'recomputed after the codecs changed');
    assert.equal(h264.name, 'H264');
    // runRtcp is not called while its loop runs
    receiver.rtcpRunning = true;
    assert.equal(receiver.runRtcp(), undefined);
  } finally {
    await pc.close();
  }
});
