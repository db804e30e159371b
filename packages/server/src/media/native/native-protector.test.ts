import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { AeadAes128GcmProtector, AesCm128HmacSha1_80Protector, type RtpProtector } from '../srtp-protect.ts';
import { loadNativeAddon, type NativeAddon } from './addon.ts';
import { NativeProtector } from './native-protector.ts';
import { ipv4Number } from './send-queue.ts';

/** The module: CI builds it (npm ci); without it these tests fail with the reason. */
function addon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

function pair(native: NativeAddon, profile: 'gcm' | 'cm'): { js: RtpProtector; nat: NativeProtector } {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const auth = randomBytes(20);
  if (profile === 'gcm') return { js: new AeadAes128GcmProtector(key, salt.subarray(0, 12)), nat: NativeProtector.gcm(native, key, salt.subarray(0, 12)) };
  return { js: new AesCm128HmacSha1_80Protector(key, salt, auth), nat: NativeProtector.cm(native, key, salt, auth) };
}

/** An RTP header as the fast sender writes it: 12 bytes, or 20 with a transport-wide CC extension. */
function header(seq: number, ssrc: number, twcc: boolean): Buffer {
  const h = Buffer.alloc(twcc ? 20 : 12);
  h[0] = twcc ? 0x90 : 0x80;
  h[1] = 96;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(randomInt(2 ** 32), 4);
  h.writeUInt32BE(ssrc, 8);
  if (twcc) h.set([0xbe, 0xde, 0, 1, 0x31, randomInt(256), randomInt(256), 0], 12);
  return h;
}

for (const profile of ['gcm', 'cm'] as const) {
  test(`${profile}: the native protector writes the same bytes as the JavaScript one (payloads 0-1400 B, RTX prefixes, TWCC headers, ROC edges)`, () => {
    const native = addon();
    const { js, nat } = pair(native, profile);
    const rocs = [0, 1, 0xffff, 0x7fffffff, 0xffffffff];
    for (let i = 0; i < 300; i++) {
      const ssrc = i === 0 ? 0xffffffff : randomInt(2 ** 32);
      const seq = [0, 0xffff][i] ?? randomInt(0x10000);
      const roc = rocs[i % rocs.length]!;
      const h = header(seq, ssrc, i % 3 === 0);
      const prefix = i % 4 === 1 ? randomBytes(2) : undefined;
      const payload = randomBytes(i < 5 ? [0, 1, 15, 16, 17][i]! : randomInt(1401));
      const expected = Buffer.concat(js.protect(h, ssrc, roc, seq, prefix, payload));
      const [got, ...more] = nat.protect(h, ssrc, roc, seq, prefix, payload);
      assert.equal(more.length, 0);
      assert.deepEqual(got, expected, `packet ${i}: ssrc ${ssrc} roc ${roc} seq ${seq} prefix ${prefix?.length ?? 0} payload ${payload.length}`);
    }
  });
}

test('the module refuses bad arguments with a TypeError, never a crash', () => {
  const native = addon();
  const ctx = native.gcm(randomBytes(16), randomBytes(12));
  assert.throws(() => native.gcm(randomBytes(15), randomBytes(12)), TypeError);
  assert.throws(() => native.cm(randomBytes(16), randomBytes(12), randomBytes(20)), TypeError);
  const out = Buffer.alloc(100);
  assert.throws(() => native.protect(ctx, 1, 0, 70000, Buffer.alloc(12), undefined, Buffer.alloc(10), out), TypeError);
  assert.throws(() => native.protect(ctx, 1, 0, 1, Buffer.alloc(8), undefined, Buffer.alloc(10), out), TypeError);
  assert.throws(() => native.protect(ctx, 1, 0, 1, Buffer.alloc(12), undefined, Buffer.alloc(100), out), /too small/);
  assert.throws(() => native.protect(ctx, 1, 0, 1, Buffer.alloc(12), undefined, Buffer.alloc(70_000), Buffer.alloc(70_100)), TypeError);
  // a socket handle where a context belongs, and the other way round
  const socket = native.openSocket(0);
  assert.throws(() => native.protect(socket as never, 1, 0, 1, Buffer.alloc(12), undefined, Buffer.alloc(10), out), TypeError);
  assert.throws(() => native.queue(ctx as never, ctx, 1, 0, 1, Buffer.alloc(12), undefined, Buffer.alloc(10), 0x7f000001, 9), TypeError);
  assert.throws(() => native.closeSocket({} as never), TypeError);
  assert.throws(() => native.protect(7 as never, 1, 0, 1, Buffer.alloc(12), undefined, Buffer.alloc(10), out), TypeError);
  native.closeSocket(socket);
  native.closeSocket(socket); // twice: nothing
  assert.throws(() => native.openSocket(-1), TypeError);
});

async function bound(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const s = createSocket({ type, recvBufferSize: 1 << 20 });
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return s;
}

/** Resolves with the first `n` datagrams `s` receives (rejects after 10 s). */
function receive(s: Socket, n: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${n} datagrams`)), 10_000);
    s.on('message', (m) => {
      got.push(m);
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

test('queued packets leave by sendmmsg at the end of the turn, in order and byte-identical, more than one batch of 128', async () => {
  const native = addon();
  const { js, nat } = pair(native, 'gcm');
  const [sender, receiver] = await Promise.all([bound(), bound()]);
  try {
    const to = ['127.0.0.1', receiver.address().port] as const;
    const before = native.stats();
    const expected: Buffer[] = [];
    const arriving = receive(receiver, 150);
    for (let seq = 0; seq < 150; seq++) {
      const h = header(seq, 0x1234, false);
      const payload = randomBytes(100);
      expected.push(Buffer.concat(js.protect(h, 0x1234, 0, seq, undefined, payload)));
      assert.equal(nat.queue(sender, to, h, 0x1234, 0, seq, undefined, payload), true);
    }
    // batches left as the queue filled (or its oldest waited 2 ms); the last waits for the end of the turn
    const waiting = native.pending();
    assert.ok(waiting >= 1 && waiting <= 128, `${waiting} waiting`);
    assert.deepEqual(await arriving, expected);
    const after = native.stats();
    assert.equal(after.sent - before.sent, 150);
    assert.equal(after.dropped - before.dropped, 0);
    assert.ok(after.syscalls - before.syscalls < 150, `${after.syscalls - before.syscalls} sendmmsg calls for 150 datagrams`);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('packets queued on a socket that is then closed still leave through it; a closed socket takes no more', async () => {
  const native = addon();
  const { js, nat } = pair(native, 'cm');
  const [sender, receiver] = await Promise.all([bound(), bound()]);
  try {
    const to = ['127.0.0.1', receiver.address().port] as const;
    const arriving = receive(receiver, 3);
    const expected: Buffer[] = [];
    for (let seq = 10; seq < 13; seq++) {
      const payload = randomBytes(50);
      const h = header(seq, 7, false);
      expected.push(Buffer.concat(js.protect(h, 7, 0, seq, undefined, payload)));
      assert.equal(nat.queue(sender, to, h, 7, 0, seq, undefined, payload), true);
    }
    sender.close();
    // a socket opened now may take the closed descriptor's number: the queue must not write to it
    const next = await bound();
    try {
      assert.equal(nat.queue(sender, to, header(13, 7, false), 7, 0, 13, undefined, randomBytes(50)), false);
      assert.deepEqual(await arriving, expected);
    } finally {
      next.close();
    }
  } finally {
    receiver.close();
  }
});

test('what the queue cannot take is refused (IPv6, a packet larger than a slot), for the caller to send through dgram', async () => {
  const native = addon();
  const { nat } = pair(native, 'gcm');
  const v4 = await bound();
  let v6: Socket | undefined;
  try {
    assert.equal(nat.queue(v4, ['127.0.0.1', 9], header(1, 1, false), 1, 0, 1, undefined, Buffer.alloc(3000)), false);
    assert.equal(nat.queue(v4, ['::1', 9], header(1, 1, false), 1, 0, 1, undefined, Buffer.alloc(10)), false);
    try {
      v6 = await bound('udp6');
    } catch {
      // no IPv6 loopback on this machine: the IPv4-only rule above still held
    }
    if (v6) assert.equal(nat.queue(v6, ['::1', 9], header(1, 1, false), 1, 0, 1, undefined, Buffer.alloc(10)), false);
    assert.equal(native.pending(), 0);
  } finally {
    v4.close();
    v6?.close();
  }
});

test('ipv4Number reads dotted quads and refuses anything else', () => {
  assert.equal(ipv4Number('127.0.0.1'), 0x7f000001);
  assert.equal(ipv4Number('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4Number('0.0.0.0'), 0);
  for (const bad of ['256.0.0.1', '::1', '1.2.3', 'a.b.c.d', '1.2.3.4 ']) assert.equal(ipv4Number(bad), -1, bad);
});
