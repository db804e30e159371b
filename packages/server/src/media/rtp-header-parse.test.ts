// The header parse must fill werift's RtpHeader exactly as werift's own parse: compared on
// thousands of generated packets (CSRCs, padding, one-byte and two-byte extensions with padding
// bytes and the id-15 stop, other profiles) and on malformed ones, where it declines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtcpHeader, RtpHeader, RtpPacket } from 'werift';
import { parseRtcpHeaderInto, parseRtpHeaderInto } from './rtp-header-parse.ts';

/** A deterministic pseudo-random source (xorshift32). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function packet(r: (n: number) => number): Buffer {
  const cc = r(4) === 0 ? r(16) : 0;
  const padding = r(4) === 0;
  const ext = r(3) !== 0;
  const parts: number[] = [(2 << 6) | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | cc, r(256), r(256), r(256)];
  for (let i = 0; i < 8 + 4 * cc; i++) parts.push(r(256));
  if (ext) {
    const profile = [0xbede, 0x1000, 0x1234][r(3)]!;
    const body: number[] = [];
    const elements = r(5);
    for (let e = 0; e < elements; e++) {
      if (r(4) === 0) body.push(0); // padding byte
      if (profile === 0xbede) {
        const id = r(8) === 0 ? 15 : 1 + r(14);
        const n = 1 + r(16);
        body.push((id << 4) | (n - 1));
        for (let k = 0; k < n; k++) body.push(r(256));
      } else {
        const n = r(6);
        body.push(1 + r(255), n);
        for (let k = 0; k < n; k++) body.push(r(256));
      }
    }
    while (body.length % 4) body.push(0);
    parts.push(profile >> 8, profile & 0xff, (body.length / 4) >> 8, (body.length / 4) & 0xff, ...body);
  }
  const payload = r(200);
  for (let k = 0; k < payload; k++) parts.push(r(256));
  if (padding) {
    const p = 1 + r(20);
    for (let k = 1; k < p; k++) parts.push(0);
    parts.push(p);
  }
  return Buffer.from(parts);
}

/** A header as plain data (Buffers as byte arrays). */
const plain = (h: RtpHeader) => JSON.parse(JSON.stringify({ ...h, extensions: h.extensions.map((e) => ({ id: e.id, payload: [...e.payload] })) })) as unknown;

test("fills werift's RtpHeader exactly as werift's own parse does, on 5,000 generated packets", () => {
  const r = rng(7);
  for (let i = 0; i < 5000; i++) {
    const raw = packet(r);
    const ours = new RtpHeader();
    assert.ok(parseRtpHeaderInto(ours, raw), `packet ${i} parses`);
    assert.deepEqual(plain(ours), plain(RtpHeader.deSerialize(raw)), `packet ${i}: ${raw.toString('hex')}`);
    // the payload werift cuts from it is the same too
    const p = RtpPacket.deSerialize(raw);
    assert.deepEqual(raw.subarray(ours.payloadOffset, raw.length - ours.paddingSize), p.payload);
  }
});

test('declines what is too short for its own header (werift then decides, as before)', () => {
  const r = rng(11);
  let declined = 0;
  for (let i = 0; i < 2000; i++) {
    const raw = packet(r);
    const cut = raw.subarray(0, r(raw.length));
    const ours = new RtpHeader();
    if (parseRtpHeaderInto(ours, cut)) {
      // when it does accept a cut packet, it agrees with werift
      assert.deepEqual(plain(ours), plain(RtpHeader.deSerialize(cut)));
    } else declined++;
  }
  assert.ok(declined > 100, `${declined} declined`);
  assert.equal(parseRtpHeaderInto(new RtpHeader(), Buffer.alloc(11)), false);
});

test("fills werift's RtcpHeader as werift's own parse does, for every first two bytes", () => {
  for (let b0 = 0; b0 < 256; b0++) {
    for (const b1 of [0, 200, 201, 205, 206, 255]) {
      const raw = Buffer.from([b0, b1, b0, 255 - b0, 1, 2]);
      const ours = new RtcpHeader();
      assert.ok(parseRtcpHeaderInto(ours, raw));
      assert.deepEqual({ ...ours }, { ...RtcpHeader.deSerialize(raw) });
    }
  }
  assert.equal(parseRtcpHeaderInto(new RtcpHeader(), Buffer.from([0x80, 200, 0])), false);
  assert.throws(() => RtcpHeader.deSerialize(Buffer.from([0x80, 200, 0])));
});

test("the werift adapter puts them in werift's place", async () => {
  const before = RtpHeader.deSerialize;
  const rtcpBefore = RtcpHeader.deSerialize;
  await import('./werift-adapter.ts');
  assert.notEqual(RtcpHeader.deSerialize, rtcpBefore);
  assert.deepEqual({ ...RtcpHeader.deSerialize(Buffer.from([0x81, 205, 0, 4])) }, { ...rtcpBefore(Buffer.from([0x81, 205, 0, 4])) });
  assert.throws(() => RtcpHeader.deSerialize(Buffer.from([0x81])));
  assert.notEqual(RtpHeader.deSerialize, before);
  const raw = packet(rng(3));
  assert.deepEqual(plain(RtpHeader.deSerialize(raw)), plain(before(raw)));
  // a packet too short for its header still gets werift's own answer
  assert.throws(() => before(Buffer.from([0x9f, 0, 0, 0])));
  assert.throws(() => RtpHeader.deSerialize(Buffer.from([0x9f, 0, 0, 0])));
});
