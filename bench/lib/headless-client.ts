// A headless rtcroom client on werift (no browser): joins over the real signaling, publishes
// synthetic Opus/VP8-sized RTP, or subscribes and counts what arrives. Loopback only.
import { filterDatagrams } from './werift-datagram-tap.ts';
import { WebSocket } from 'ws';
import type { RTCPeerConnection, RtpPacket } from 'werift';
import type { PublisherClient, SubscriberClient } from './target.ts';
import type { SequenceStats } from './target.ts';
import type { DelaySamples } from './arrival-stamps.ts';
import { connected, describeConnection, gathered, ICE_TCP_ONLY, loopbackOnly, publisherPeer, RtpCounter, subscriberPeer, SyntheticSender } from './werift-media.ts';

type Frame = { id?: number; result?: any; error?: { errMsg: string }; event?: string; data?: any };

/** One signaling connection with request/reply and pushed events. */
export class Signal {
  readonly ws: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  onEvent: (f: Frame) => void = () => undefined;
  #ping: NodeJS.Timeout;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Frame;
      if (f.event) return this.onEvent(f);
      const p = f.id != null ? this.#pending.get(f.id) : undefined;
      if (!p) return;
      this.#pending.delete(f.id!);
      if (f.error) p.reject(new Error(f.error.errMsg));
      else p.resolve(f.result);
    });
    this.#ping = setInterval(() => void this.request('ping', {}).catch(() => undefined), 3000);
    this.#ping.unref();
  }

  static async connect(url: string): Promise<Signal> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Signal(ws);
  }

  request(method: string, params: unknown): Promise<any> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    clearInterval(this.#ping);
    this.ws.terminate();
  }
}

/** Join parameters. */
export interface JoinSpec {
  wsUrl: string;
  appId: string;
  roomId: string;
  userId: string;
  token: string;
  autoSubscribe?: boolean;
  /** ICE over TCP only (to the server's passive TCP candidates; `rtcroom serve --rtc-tcp`). */
  iceTcp?: boolean;
}

/** A headless subscriber: answers the server's offers and counts packets per kind. */
export class HeadlessSubscriber implements SubscriberClient {
  readonly signal: Signal;
  pc: RTCPeerConnection | undefined;
  #pcId: number | undefined;
  #closed = false;
  readonly #counter = new RtpCounter();
  readonly #iceTcp: boolean;
  /** The join reply (member, speaker lists as of the join). */
  joined: { members: string[]; speakers: string[] } | undefined;
  /** What the server's latest offer carries: m-line (mid) → publisher and source. */
  tracks: { mid: string; userId: string; source: string }[] = [];

  private constructor(signal: Signal, iceTcp: boolean) {
    this.signal = signal;
    this.#iceTcp = iceTcp;
    signal.onEvent = (f) => {
      // an offer may cross the exit or the close (the publisher left first): its answer then
      // fails with "not in room" or on the closed connection, and that is no error
      if (f.event === 'subscriberOffer') {
        this.#answer(f.data).catch((e: unknown) => {
          if (!this.#closed && !/not in room/.test((e as Error).message)) console.error('subscriber answer failed', e);
        });
      }
    };
  }

  /** Packets received per kind. */
  get packets(): { audio: number; video: number } {
    return this.#counter.packets;
  }
  /** Payload bytes received. */
  get bytes(): number {
    return this.#counter.bytes;
  }
  /** Forwarding delays (ms) of every 10th packet. */
  get delays(): DelaySamples {
    return this.#counter.delays;
  }
  /** Loss accounting by sequence number. */
  get sequence(): SequenceStats {
    return this.#counter.sequence;
  }
  /** The client side of the current media connection. */
  connection(): string {
    return describeConnection(this.pc);
  }
  /** Called once per counted packet on arrival, decrypted or not, with its SSRC (for arrival-gap probes). */
  get onArrival(): ((kind: 'audio' | 'video', ssrc: number) => void) | undefined {
    return this.#counter.onArrival;
  }
  set onArrival(f: ((kind: 'audio' | 'video', ssrc: number) => void) | undefined) {
    this.#counter.onArrival = f;
  }
  /** Called per received RTP packet (for delay probes). */
  get onRtp(): ((kind: 'audio' | 'video', packet: RtpPacket) => void) | undefined {
    return this.#counter.onRtp;
  }
  set onRtp(f: ((kind: 'audio' | 'video', packet: RtpPacket) => void) | undefined) {
    this.#counter.onRtp = f;
  }

  static async join(spec: JoinSpec): Promise<HeadlessSubscriber> {
    const signal = await Signal.connect(spec.wsUrl);
    const s = new HeadlessSubscriber(signal, spec.iceTcp === true);
    try {
      s.joined = await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoPublish: false, autoSubscribe: spec.autoSubscribe ?? true } });
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  async #answer(offer: { pcId: number; offerId: number; sdp: string; tracks?: { mid: string; userId: string; source: string }[] }): Promise<void> {
    this.tracks = offer.tracks ?? [];
    const fresh = offer.pcId !== this.#pcId;
    if (fresh) {
      await this.pc?.close();
      this.#pcId = offer.pcId;
      this.pc = subscriberPeer(this.#iceTcp ? ICE_TCP_ONLY : {});
      this.#counter.watch(this.pc);
    }
    const pc = this.pc!;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    // werift's DTLS client fails on a second HelloVerifyRequest, which a busy server sends (see
    // werift-datagram-tap.ts): keep it out, as the lean listeners do (media still goes to werift)
    if (fresh) filterDatagrams(pc);
    await this.signal.request('subscriberAnswer', { offerId: offer.offerId, sdp: loopbackOnly(pc.localDescription!.sdp) });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.signal.close();
    await this.pc?.close();
  }
}

/** A headless publisher sending synthetic Opus (20 ms) and VP8 (frame rate × packets per frame). */
export class HeadlessPublisher implements PublisherClient {
  readonly signal: Signal;
  readonly pc: RTCPeerConnection;
  readonly #media = new SyntheticSender();
  #sources: Record<string, string> = {};

  private constructor(signal: Signal, iceTcp: boolean) {
    this.signal = signal;
    this.pc = publisherPeer(iceTcp ? ICE_TCP_ONLY : {});
  }

  /** Packets sent so far. */
  get sent(): { audio: number; video: number } {
    return this.#media.sent;
  }
  /** Keyframes sent so far. */
  get keyframes(): number {
    return this.#media.keyframes;
  }
  /** Called to stamp each outgoing packet (for delay probes). */
  get stamp(): ((p: RtpPacket) => void) | undefined {
    return this.#media.stamp;
  }
  set stamp(f: ((p: RtpPacket) => void) | undefined) {
    this.#media.stamp = f;
  }
  /** RFC 6464 level (-dBov) for each audio packet; undefined sends none. */
  get audioLevel(): (() => number) | undefined {
    return this.#media.audioLevel;
  }
  set audioLevel(f: (() => number) | undefined) {
    this.#media.audioLevel = f;
  }

  static async join(spec: JoinSpec, opts: { video?: boolean } = {}): Promise<HeadlessPublisher> {
    const signal = await Signal.connect(spec.wsUrl);
    const p = new HeadlessPublisher(signal, spec.iceTcp === true);
    try {
      await p.#join(spec, opts);
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  }

  async #join(spec: JoinSpec, opts: { video?: boolean }): Promise<void> {
    const { signal, pc } = this;
    const media = this.#media;
    media.withVideo = opts.video !== false;
    await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoSubscribe: false } });
    const ta = pc.addTransceiver(media.audio, { direction: 'sendonly' });
    const tv = media.withVideo ? pc.addTransceiver(media.video, { direction: 'sendonly' }) : undefined;
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const sources: Record<string, string> = { [ta.mid!]: 'audio' };
    if (tv) sources[tv.mid!] = 'video';
    this.#sources = sources;
    const { sdp } = await signal.request('publisherOffer', { sdp: loopbackOnly(pc.localDescription!.sdp), sources });
    await pc.setRemoteDescription({ type: 'answer', sdp });
    media.levelId = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/.exec(sdp)?.[1] ?? 0);
    await connected(pc);
    tv?.sender.onPictureLossIndication.subscribe(() => {
      media.keyframeDue = true;
    });
    await signal.request('setPublish', { sources: tv ? ['audio', 'video'] : ['audio'], publish: true });
  }

  /** Starts sending: Opus every 20 ms (~100 B), VP8 `fps` frames of `packetsPerFrame` × ~1100 B. */
  start(fps = 20, packetsPerFrame = 3): void {
    this.#media.start(fps, packetsPerFrame);
  }

  /** Offers again with new ICE credentials (an ICE restart, as a browser does after a network change). */
  async restartIce(): Promise<void> {
    const { pc, signal } = this;
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
    await gathered(pc);
    const { sdp } = await signal.request('publisherOffer', { sdp: loopbackOnly(pc.localDescription!.sdp), sources: this.#sources });
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Pauses (true) or resumes (false) sending. */
  pause(paused: boolean): void {
    this.#media.paused = paused;
  }

  async close(): Promise<void> {
    this.#media.stop();
    this.signal.close();
    await this.pc.close();
  }
}
