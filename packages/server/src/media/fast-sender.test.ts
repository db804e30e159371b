import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, RtpPacket, SrtpSession, type RTCRtpSender } from 'werift';
import { FastRtpSender } from './fast-sender.ts';

/** A werift-shaped sender whose socket records what is sent. */
function fakeSender(opts: { rtx?: boolean } = {}) {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(12), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(12) };
  const ours = new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm });
  // the receiving side holds the same keys the other way round
  const theirs = new SrtpSession({
    keys: { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt },
    profile: ProtectionProfileAeadAes128Gcm,
  });
  const sent: Buffer[] = [];
  const rtcp: Buffer[] = [];
  const sender = {
    ssrc: 0x11223344,
    rtxSsrc: 0x55667788,
    rtxPayloadType: opts.rtx ? 97 : undefined,
    codec: { payloadType: 96 },
    cname: 'cname-1',
    dtlsTransport: {
      state: 'connected',
      srtp: ours,
      iceTransport: {
        connection: {
          canSendApplicationData: () => true,
          nominated: { remoteAddr: ['127.0.0.1', 9] as const, protocol: { transport: { closed: false, socket: { send: (parts: Buffer[]) => sent.push(Buffer.concat(parts)) } } } },
        },
      },
      sendRtcp: async (packets: { serialize(): Buffer }[]) => {
        for (const p of packets) rtcp.push(p.serialize());
      },
    },
  };
  return { fast: new FastRtpSender(sender as unknown as RTCRtpSender), sent, rtcp, decrypt: (b: Buffer) => RtpPacket.deSerialize(theirs.decrypt(b)) };
}

test('packets decrypt with werift SRTP (AES-GCM) to the same header and payload, across a ROC wrap', () => {
  const { fast, sent, decrypt } = fakeSender();
  const payload = randomBytes(1100);
  for (const seq of [65534, 65535, 0, 1]) assert.equal(fast.send(seq, 3000 + seq, seq === 1, payload, true), true);
  assert.equal(sent.length, 4);
  sent.forEach((b, i) => {
    const p = decrypt(b);
    assert.equal(p.header.ssrc, 0x11223344);
    assert.equal(p.header.payloadType, 96);
    assert.equal(p.header.sequenceNumber, [65534, 65535, 0, 1][i]);
    assert.equal(p.header.timestamp, 3000 + [65534, 65535, 0, 1][i]!);
    assert.equal(p.header.marker, i === 3);
    assert.deepEqual(p.payload, payload);
  });
});

test('NACKs are answered from history: RTX with the original sequence number first, or the packet again', () => {
  const rtx = fakeSender({ rtx: true });
  const payloads = [randomBytes(500), randomBytes(600), randomBytes(700)];
  payloads.forEach((p, i) => rtx.fast.send(100 + i, 9000, false, p, true));
  rtx.fast.retransmit([101, 5000]); // 5000 was never sent
  assert.equal(rtx.sent.length, 4);
  const r = rtx.decrypt(rtx.sent[3]!);
  assert.equal(r.header.ssrc, 0x55667788);
  assert.equal(r.header.payloadType, 97);
  assert.equal(r.payload.readUInt16BE(0), 101);
  assert.deepEqual(r.payload.subarray(2), payloads[1]);

  const plain = fakeSender();
  plain.fast.send(7, 1, true, payloads[0]!, true);
  plain.fast.retransmit([7]);
  const again = plain.decrypt(plain.sent[1]!);
  assert.equal(again.header.sequenceNumber, 7);
  assert.deepEqual(again.payload, payloads[0]);
});

test("sender reports translate the publisher's clock through the timestamp offset", () => {
  const { fast, rtcp } = fakeSender();
  fast.send(1, 1000, true, randomBytes(10), false);
  const atMs = performance.now();
  fast.sendReport({ sr: { ntpMs: Date.UTC(2026, 0, 1), rtp: 50_000, atMs }, clockRate: 90000, tsOffset: 1_000_000 });
  assert.equal(rtcp.length, 1);
  const b = rtcp[0]!;
  assert.equal(b[1], 200);
  assert.equal(b.readUInt32BE(4), 0x11223344);
  const ntpSecs = b.readUInt32BE(8) - 2208988800;
  assert.ok(Math.abs(ntpSecs - Date.UTC(2026, 0, 1) / 1000) <= 1);
  const rtp = b.readUInt32BE(16);
  assert.ok(rtp >= 1_050_000 && rtp < 1_050_000 + 9000, `rtp ${rtp}`); // + at most 100 ms of elapsed clock
  assert.equal(b.readUInt32BE(20), 1); // packets
  assert.equal(b[29], 202); // SDES follows
  assert.equal(b.subarray(38, 38 + 7).toString(), 'cname-1');
});

test('not ready until DTLS is up; other SRTP profiles fall back', () => {
  const { fast } = fakeSender();
  const s = fast as unknown as { ready(): boolean };
  assert.equal(s.ready(), true);
  const cm = new FastRtpSender({ dtlsTransport: { state: 'connected', srtp: { localContext: { cipher: { aeadAuthTagLen: 10 } } } }, codec: { payloadType: 96 } } as unknown as RTCRtpSender);
  assert.equal(cm.send(1, 1, false, Buffer.alloc(1), false), false);
  assert.equal(cm.supported, false);
  const down = new FastRtpSender({ dtlsTransport: { state: 'connecting' }, codec: { payloadType: 96 } } as unknown as RTCRtpSender);
  assert.equal(down.send(1, 1, false, Buffer.alloc(1), false), false);
  assert.equal(down.supported, true);
});
