// A headless rtcroom client on werift (no browser): joins over the real signaling, publishes
// synthetic Opus/VP8-sized RTP, or subscribes and counts what arrives. Loopback only.
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  useAudioLevelIndication,
  useTransportWideCC,
  useTWCC,
} from 'werift';
import { readStamp, stampPayload, type PublisherClient, type SubscriberClient } from './target.ts';

const LOOPBACK = {
  iceServers: [],
  iceUseIpv6: false,
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  iceAdditionalHostAddresses: ['127.0.0.1'],
  bundlePolicy: 'max-bundle' as const,
};

/** Keeps only loopback candidates (the sockets are bound to 127.0.0.1). */
function loopbackOnly(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || l.split(' ')[4] === '127.0.0.1')
    .join('\r\n');
}

/** Resolves once werift has gathered its candidates (they are then in localDescription). */
async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        unSubscribe();
        resolve();
      }
    });
  });
}

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
}

/** A headless subscriber: answers the server's offers and counts packets per kind. */
export class HeadlessSubscriber implements SubscriberClient {
  readonly signal: Signal;
  pc: RTCPeerConnection | undefined;
  #pcId: number | undefined;
  packets = { audio: 0, video: 0 };
  bytes = 0;
  /** Forwarding delays (ms) of every 10th packet. */
  delays: number[] = [];
  #n = 0;
  /** Called per received RTP packet (for delay probes). */
  onRtp: ((kind: 'audio' | 'video', packet: RtpPacket) => void) | undefined;

  private constructor(signal: Signal) {
    this.signal = signal;
    signal.onEvent = (f) => {
      if (f.event === 'subscriberOffer') void this.#answer(f.data);
    };
  }

  static async join(spec: JoinSpec): Promise<HeadlessSubscriber> {
    const signal = await Signal.connect(spec.wsUrl);
    const s = new HeadlessSubscriber(signal);
    await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoPublish: false, autoSubscribe: spec.autoSubscribe ?? true } });
    return s;
  }

  async #answer(offer: { pcId: number; offerId: number; sdp: string }): Promise<void> {
    if (offer.pcId !== this.#pcId) {
      await this.pc?.close();
      this.#pcId = offer.pcId;
      this.pc = new RTCPeerConnection({
        ...LOOPBACK,
        codecs: {
          audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
          video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
        },
        headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
      });
      this.pc.onTrack.subscribe((track) => {
        const kind = track.kind as 'audio' | 'video';
        track.onReceiveRtp.subscribe((p) => {
          this.packets[kind]++;
          this.bytes += p.payload.length;
          if (++this.#n % 10 === 0 && this.delays.length < 200_000) {
            const sent = readStamp(p);
            if (sent > 0) this.delays.push(performance.now() - sent);
          }
          this.onRtp?.(kind, p);
        });
      });
    }
    const pc = this.pc!;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await this.signal.request('subscriberAnswer', { offerId: offer.offerId, sdp: loopbackOnly(pc.localDescription!.sdp) });
  }

  async close(): Promise<void> {
    this.signal.close();
    await this.pc?.close();
  }
}

/** A headless publisher sending synthetic Opus (20 ms) and VP8 (frame rate × packets per frame). */
export class HeadlessPublisher implements PublisherClient {
  readonly signal: Signal;
  readonly pc: RTCPeerConnection;
  readonly #audio = new MediaStreamTrack({ kind: 'audio' });
  readonly #video = new MediaStreamTrack({ kind: 'video' });
  #timers: NodeJS.Timeout[] = [];
  sent = { audio: 0, video: 0 };
  keyframes = 0;
  #keyframeDue = true;
  #withVideo = true;
  /** Called to stamp each outgoing packet (for delay probes). */
  stamp: ((p: RtpPacket) => void) | undefined;
  /** RFC 6464 level (-dBov) for each audio packet; undefined sends none. */
  audioLevel: (() => number) | undefined;
  /** The negotiated id of the audio-level extension. */
  #levelId = 0;

  private constructor(signal: Signal) {
    this.signal = signal;
    this.pc = new RTCPeerConnection({
      ...LOOPBACK,
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, rtcpFeedback: [useTWCC()] })],
        video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useTWCC(), useNACK(), usePLI()] })],
      },
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication(), useTransportWideCC()], video: [useSdesMid(), useTransportWideCC()] },
    });
  }

  static async join(spec: JoinSpec, opts: { video?: boolean } = {}): Promise<HeadlessPublisher> {
    const signal = await Signal.connect(spec.wsUrl);
    const p = new HeadlessPublisher(signal);
    p.#withVideo = opts.video !== false;
    await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoSubscribe: false } });
    const ta = p.pc.addTransceiver(p.#audio, { direction: 'sendonly' });
    const tv = p.#withVideo ? p.pc.addTransceiver(p.#video, { direction: 'sendonly' }) : undefined;
    await p.pc.setLocalDescription(await p.pc.createOffer());
    await gathered(p.pc);
    const sources: Record<string, string> = { [ta.mid!]: 'audio' };
    if (tv) sources[tv.mid!] = 'video';
    const { sdp } = await signal.request('publisherOffer', { sdp: loopbackOnly(p.pc.localDescription!.sdp), sources });
    await p.pc.setRemoteDescription({ type: 'answer', sdp });
    p.#levelId = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/.exec(sdp)?.[1] ?? 0);
    await new Promise<void>((resolve) => {
      if (p.pc.connectionState === 'connected') return resolve();
      p.pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve());
    });
    tv?.sender.onPictureLossIndication.subscribe(() => {
      p.#keyframeDue = true;
    });
    await signal.request('setPublish', { sources: tv ? ['audio', 'video'] : ['audio'], publish: true });
    return p;
  }

  /** Starts sending: Opus every 20 ms (~100 B), VP8 `fps` frames of `packetsPerFrame` × ~1100 B. */
  start(fps = 20, packetsPerFrame = 3): void {
    let aSeq = 0;
    let aTs = 0;
    let vSeq = 0;
    let vTs = 0;
    const opus = randomBytes(100);
    const vp8 = randomBytes(1100);
    // each packet carries its send time in its first 8 bytes (for forwarding delay)
    const stamped = (src: Buffer): Buffer => {
      const b = Buffer.from(src);
      stampPayload(b);
      return b;
    };
    this.#timers.push(
      setInterval(() => {
        const header = new RtpHeader({ payloadType: 111, sequenceNumber: aSeq++ & 0xffff, timestamp: (aTs += 960) >>> 0, marker: true });
        if (this.audioLevel && this.#levelId) {
          header.extension = true;
          header.extensions = [{ id: this.#levelId, payload: Buffer.from([0x80 | Math.max(0, Math.min(127, Math.round(this.audioLevel())))]) }];
        }
        const p = new RtpPacket(header, stamped(opus));
        this.stamp?.(p);
        this.#audio.writeRtp(p);
        this.sent.audio++;
      }, 20),
      setInterval(() => {
        if (!this.#withVideo) return;
        vTs = (vTs + 90000 / fps) >>> 0;
        // a keyframe (on start and on PLI) is about three times a delta frame
        const n = this.#keyframeDue ? packetsPerFrame * 3 : packetsPerFrame;
        if (this.#keyframeDue) this.keyframes++;
        this.#keyframeDue = false;
        for (let i = 0; i < n; i++) {
          const p = new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: vSeq++ & 0xffff, timestamp: vTs, marker: i === n - 1 }), stamped(vp8));
          this.stamp?.(p);
          this.#video.writeRtp(p);
          this.sent.video++;
        }
      }, 1000 / fps),
    );
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.signal.close();
    await this.pc.close();
  }
}
