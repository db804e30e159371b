/**
 * Test support for the express lane's tests: the native module, a UDP receiver with a socket to
 * send to it from, and a producer forwarded to a real werift client through a subscriber
 * connection.
 * @module
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { RTCPeerConnection, type RtpPacket } from 'werift';
import { loadNativeAddon, type NativeAddon } from './native/addon.ts';
import { SubscriberPeer } from './subscriber-peer.ts';
import type { Producer } from './producer.ts';
import type { Consumer } from './consumer.ts';
import { createLogger } from '../log.ts';

/** The module: CI builds it (npm ci); without it the lane's tests fail with the reason. */
export function addon(): NativeAddon {
  const load = loadNativeAddon();
  if (!load.addon) assert.fail(`the native module ${load.reason} (build it: npm run build:native)`);
  return load.addon;
}

/** Polls `ok` every 10 ms for up to 3 s; fails with `what` if it never holds. */
export async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

/** A receiving socket (its datagrams in `got`) and a sending one, bound on loopback. */
export async function udpPair(): Promise<{ rx: Socket; tx: Socket; got: Buffer[]; close(): void }> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  await Promise.all([new Promise<void>((r) => rx.bind(0, '127.0.0.1', r)), new Promise<void>((r) => tx.bind(0, '127.0.0.1', r))]);
  const got: Buffer[] = [];
  rx.on('message', (m) => got.push(m));
  return {
    rx,
    tx,
    got,
    close: () => {
      rx.close();
      tx.close();
    },
  };
}

const NET = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined };

/** A producer's consumer on a subscriber connection up with a werift client. */
export interface ForwardedTo {
  sub: SubscriberPeer;
  consumer: Consumer;
  client: RTCPeerConnection;
  close(): Promise<void>;
}

/**
 * Connects a subscriber connection (on the native send path) consuming `producer` to a werift
 * client whose every received packet goes to `onRtp`; resolves once both sides are connected.
 */
export async function forwardToClient(native: NativeAddon, producer: Producer, onRtp: (p: RtpPacket) => void): Promise<ForwardedTo> {
  let offer: { offerId: number; sdp: string } | undefined;
  const sub = new SubscriberPeer({ ...NET, native }, { sendOffer: (o) => (offer ??= o), onFailed: () => {} }, createLogger('silent'));
  const consumer = sub.consume(producer);
  const client = new RTCPeerConnection({ iceUseIpv6: false });
  client.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(onRtp));
  const close = async (): Promise<void> => {
    sub.close();
    await client.close();
  };
  try {
    await until('an offer', () => offer !== undefined);
    const up = new Promise<void>((resolve) => sub.pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve()));
    await client.setRemoteDescription({ type: 'offer', sdp: offer!.sdp });
    await client.setLocalDescription(await client.createAnswer());
    await sub.onAnswer(offer!.offerId, client.localDescription!.sdp);
    await up;
    // the client's own side must be up too, or it drops what comes first
    await until('the client connected', () => client.connectionState === 'connected');
  } catch (e) {
    await close();
    throw e;
  }
  return { sub, consumer, client, close };
}
