// The native send path against the JavaScript one, per packet: SRTP decryption of a publisher's
// packet (werift's session: its header parse and ROC estimate, then a Node decipher or the
// module), SRTP protection alone (a Node cipher per packet vs. one pre-keyed OpenSSL context per
// stream), then protection and sending
// to `subs` loopback destinations round-robin on one socket (one dgram send per packet vs. the
// native queue's sendmmsg). The native queue is flushed as the server flushes it — at the end of
// each turn, here every `subs` packets (one publisher packet fanned out to every subscriber), and
// by itself at 128 packets or 2 ms. Receivers do not read: the kernel drops what overflows, the
// send still costs its syscall.
//   npm run bench -- srtp-native [--packets 200000] [--subs 50]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { printTable, writeResult } from './report.ts';
import { bound, cpuUs } from './floor.ts';
import { AeadAes128GcmProtector, AesCm128HmacSha1_80Protector, type RtpProtector } from '../packages/server/src/media/srtp-protect.ts';
import { loadNativeAddon } from '../packages/server/src/media/native/addon.ts';
import { NativeProtector } from '../packages/server/src/media/native/native-protector.ts';
import { FastRtpSender } from '../packages/server/src/media/fast-sender.ts';
import type { NativeAddon } from '../packages/server/src/media/native/addon.ts';
import { ProtectionProfileAeadAes128Gcm, RtpHeader, SrtpSession, type RTCPeerConnection, type RTCRtpSender } from 'werift';
import { decryptNatively } from '../packages/server/src/media/werift-adapter.ts';
import type { Socket } from 'node:dgram';

/**
 * The server's own fast sender (`media/fast-sender.ts`: header, history, SRTP, send) for one
 * subscriber at `to`, on a werift SRTP session and the shared `socket`, as single-port mode has it.
 */
function subscriberLeg(socket: Socket, to: readonly [string, number], native: NativeAddon | undefined): FastRtpSender {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(12), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(12) };
  const dtlsTransport = {
    state: 'connected',
    srtp: new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm }),
    iceTransport: { connection: { canSendApplicationData: () => true, nominated: { remoteAddr: to, protocol: { transport: { closed: false, socket } } } } },
    sendRtcp: async () => undefined,
  };
  const sender = { ssrc: 0x1234, rtxSsrc: 0x5678, rtxPayloadType: 97, codec: { payloadType: 96 }, cname: 'bench', headerExtensions: [], dtlsTransport };
  return new FastRtpSender(sender as unknown as RTCRtpSender, 0, undefined, native);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { packets: { type: 'string', default: '200000' }, subs: { type: 'string', default: '50' } } });
  const packets = Math.min(5_000_000, Math.max(1000, Number(values.packets)));
  const subs = Math.min(500, Math.max(1, Number(values.subs)));
  const load = loadNativeAddon();
  if (!load.addon) throw new Error(`the native module ${load.reason}: build it with "npm run build:native"`);
  const native = load.addon;
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const auth = randomBytes(20);
  const payload = randomBytes(1100);
  const receivers = await bound(subs);
  const [sender] = await bound(1);
  const to = receivers.map((r) => ['127.0.0.1', r.address().port] as const);
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 96;
  header.writeUInt32BE(0x1234, 8);
  const headerOf = (i: number, fresh: boolean): Buffer => {
    // the JS path keeps the header in the datagram's parts: a Buffer per packet, as the server does
    const h = fresh ? Buffer.from(header) : header;
    h.writeUInt16BE(i & 0xffff, 2);
    h.writeUInt32BE((i * 3000) >>> 0, 4);
    return h;
  };
  const out = Buffer.alloc(1200);
  const jsGcm = new AeadAes128GcmProtector(key, salt.subarray(0, 12));
  const jsCm = new AesCm128HmacSha1_80Protector(key, salt, auth);
  const natGcm = NativeProtector.gcm(native, key, salt);
  const natCm = NativeProtector.cm(native, key, salt, auth);
  const gcmCtx = native.gcm(key, salt.subarray(0, 12));
  const cmCtx = native.cm(key, salt, auth);
  const jsSend = (p: RtpProtector) => (i: number) => sender!.send(p.protect(headerOf(i, true), 0x1234, 0, i & 0xffff, undefined, payload), to[i % subs]![1], '127.0.0.1');
  const nativeSend = (p: NativeProtector) => (i: number) => {
    if (!p.queue(sender!, to[i % subs]!, headerOf(i, false), 0x1234, 0, i & 0xffff, undefined, payload)) throw new Error('not queued');
    if (i % subs === subs - 1) native.flush();
  };
  const legs = (n: NativeAddon | undefined) => to.map((t) => subscriberLeg(sender!, t, n));
  const [jsLegs, nativeLegs] = [legs(undefined), legs(native)];
  const forward = (all: FastRtpSender[], flush: boolean) => (i: number) => {
    const seq = Math.floor(i / subs) & 0xffff;
    all[i % subs]!.send(seq, seq * 3000, false, payload, true);
    if (flush && i % subs === subs - 1) native.flush();
  };
  // receive side: a publisher's packets through werift's SRTP session, on werift's decryption or the module's
  const receiveKeys = { localMasterKey: key, localMasterSalt: salt.subarray(0, 12), remoteMasterKey: key, remoteMasterSalt: salt.subarray(0, 12) };
  const publisher = new SrtpSession({ keys: receiveKeys, profile: ProtectionProfileAeadAes128Gcm });
  const incoming = Array.from({ length: 1000 }, (_, i) => publisher.encrypt(payload, new RtpHeader({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 0x4321 })));
  const [jsOpen, nativeOpen] = [0, 1].map(() => new SrtpSession({ keys: receiveKeys, profile: ProtectionProfileAeadAes128Gcm }));
  decryptNatively({ dtlsTransports: [{ srtp: nativeOpen }] } as unknown as RTCPeerConnection, native);
  const decryptNext = (session: SrtpSession, i: number): Buffer => {
    // the 1,000 packets again from the start: werift's rollover state starts over with them
    if (i % 1000 === 0) (session as unknown as { remoteContext: { srtpSSRCStates: object } }).remoteContext.srtpSSRCStates = {};
    return session.decrypt(incoming[i % 1000]!);
  };
  const variants: [string, string, (i: number) => void][] = [
    ['AES-128-GCM decrypt (werift session)', 'js', (i) => void decryptNext(jsOpen!, i)],
    ['AES-128-GCM decrypt (werift session)', 'native', (i) => void decryptNext(nativeOpen!, i)],
    ['AES-128-GCM protect', 'js', (i) => void jsGcm.protect(headerOf(i, true), 0x1234, 0, i & 0xffff, undefined, payload)],
    ['AES-128-GCM protect', 'native', (i) => void native.protect(gcmCtx, 0x1234, 0, i & 0xffff, headerOf(i, false), undefined, payload, out)],
    ['AES-CM-128-HMAC-SHA1-80 protect', 'js', (i) => void jsCm.protect(headerOf(i, true), 0x1234, 0, i & 0xffff, undefined, payload)],
    ['AES-CM-128-HMAC-SHA1-80 protect', 'native', (i) => void native.protect(cmCtx, 0x1234, 0, i & 0xffff, headerOf(i, false), undefined, payload, out)],
    ['AES-128-GCM protect + send', 'js', jsSend(jsGcm)],
    ['AES-128-GCM protect + send', 'native', nativeSend(natGcm)],
    ['AES-CM-128-HMAC-SHA1-80 protect + send', 'js', jsSend(jsCm)],
    ['AES-CM-128-HMAC-SHA1-80 protect + send', 'native', nativeSend(natCm)],
    ['fast sender (GCM, history, header) + send', 'js', forward(jsLegs, false)],
    ['fast sender (GCM, history, header) + send', 'native', forward(nativeLegs, true)],
  ];
  const rows: Record<string, string | number>[] = [];
  for (const [variant, path, fn] of variants) {
    const before = native.stats();
    const t0 = cpuUs();
    const w0 = performance.now();
    // in slices, yielding so dgram's queued sends drain and the native queue flushes at the turn's end
    for (let done = 0; done < packets; ) {
      const end = Math.min(packets, done + 2000);
      for (; done < end; done++) fn(done);
      await new Promise((r) => setImmediate(r));
    }
    const after = native.stats();
    const syscalls = after.syscalls - before.syscalls;
    rows.push({ variant, path, packets, 'CPU ns/pkt': ((cpuUs() - t0) * 1000) / packets, 'wall ns/pkt': ((performance.now() - w0) * 1e6) / packets, 'pkts/sendmmsg': syscalls ? (after.sent - before.sent) / syscalls : '' });
  }
  for (const s of [...receivers, sender!]) s.close();
  console.log(`SRTP protect and send per packet, JavaScript vs native (1,100-byte payload, ${subs} destinations round-robin on one socket, native flushed every ${subs} packets; one thread, Node ${process.version})`);
  printTable(rows);
  console.log(`wrote ${writeResult('srtp-native', { packets, subs, rows })}`);
}
