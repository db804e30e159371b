// A lean benchmark listener: joins over the real signaling and answers the server's offers like
// HeadlessSubscriber, lets werift do ICE and DTLS (the server sends media only after DTLS), and
// from then on counts the media datagrams off the UDP socket by their clear RTP headers: no SRTP
// decryption, no werift parsing per packet (werift-datagram-tap.ts). One packet in
// `sampleEvery` is decrypted to read the send stamp the talker wrote (forwarding delay).
import type { RTCPeerConnection } from 'werift';
import { Signal, type JoinSpec } from './headless-client.ts';
import { payloadTypeKinds, RtpTally, rtpPayloadOffset } from './rtp-tally.ts';
import type { SubscriberClient } from './target.ts';
import { filterDatagrams, whenSrtpReady, type DatagramFilter } from './werift-datagram-tap.ts';
import { arrivalClock, DelaySamples } from './arrival-stamps.ts';
import { describeConnection, gathered, loopbackOnly, subscriberPeer } from './werift-media.ts';

/** Options of {@link LeanListener.join}. */
export interface LeanListenerOptions {
  /** Decrypt one RTP packet in this many for its delay stamp (default 100; 0: none). */
  sampleEvery?: number;
}

/** Kind codes in the payload-type table (0: not negotiated). */
const AUDIO = 1;
const VIDEO = 2;
/** At most this many delay samples are kept. */
const MAX_DELAYS = 20_000;

/** A listen-only member that counts what arrives without decrypting it. */
export class LeanListener implements SubscriberClient {
  readonly signal: Signal;
  pc: RTCPeerConnection | undefined;
  /** RTP packets received per kind (distinct: duplicates are not counted). */
  readonly packets = { audio: 0, video: 0 };
  /** Per-SSRC sequence accounting of every RTP packet received, and the RTCP count. */
  readonly sequence = new RtpTally();
  /** Forwarding delays (ms) of the sampled packets, to the kernel's receive time where known. */
  readonly delays = new DelaySamples();
  /** The tapped connection's arrival clock. */
  #arrival: (() => number) | undefined;
  #pcId: number | undefined;
  #closed = false;
  #filter: DatagramFilter | undefined;
  #tapped = false;
  /** Payload type → AUDIO / VIDEO / 0, from the current remote description. */
  #kinds: Uint8Array = new Uint8Array(128);
  #n = 0;
  readonly #sampleEvery: number;

  private constructor(signal: Signal, opts: LeanListenerOptions) {
    this.signal = signal;
    this.#sampleEvery = opts.sampleEvery ?? 100;
    signal.onEvent = (f) => {
      if (f.event !== 'subscriberOffer') return;
      // an offer may cross the exit or the close: its answer then fails, and that is no error
      this.#answer(f.data as { pcId: number; offerId: number; sdp: string }).catch((e: unknown) => {
        if (!this.#closed && !/not in room/.test((e as Error).message)) console.error('lean listener answer failed', e);
      });
    };
  }

  /** Joins `spec.roomId` as a listen-only member (auto-subscribe as `spec.autoSubscribe`, default true). */
  static async join(spec: JoinSpec, opts: LeanListenerOptions = {}): Promise<LeanListener> {
    const signal = await Signal.connect(spec.wsUrl);
    const l = new LeanListener(signal, opts);
    try {
      await signal.request('joinRtcRoom', { appId: spec.appId, roomId: spec.roomId, userId: spec.userId, token: spec.token, roomConfig: { autoPublish: false, autoSubscribe: spec.autoSubscribe ?? true } });
    } catch (e) {
      await l.close();
      throw e;
    }
    return l;
  }

  /** Whether the media socket is tapped (the connection is up and counted lean). */
  get tapped(): boolean {
    return this.#tapped;
  }

  /** Duplicate DTLS HelloVerifyRequests kept from werift so far (see werift-datagram-tap.ts). */
  get duplicateHelloVerifies(): number {
    return this.#filter?.duplicateHelloVerifies ?? 0;
  }

  /** The client side of the media connection. */
  connection(): string {
    const state = describeConnection(this.pc);
    return state === 'connected' && !this.#tapped ? 'connected (socket not tapped)' : state;
  }

  async #answer(offer: { pcId: number; offerId: number; sdp: string }): Promise<void> {
    const fresh = offer.pcId !== this.#pcId;
    if (fresh) {
      this.#untap();
      await this.pc?.close();
      this.#pcId = offer.pcId;
      this.pc = subscriberPeer();
    }
    const pc = this.pc!;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    this.#kinds = kindTable(offer.sdp);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    // the sockets exist now, and nothing can reach them before the server has this answer
    if (fresh) this.#filterOn(pc);
    await this.signal.request('subscriberAnswer', { offerId: offer.offerId, sdp: loopbackOnly(pc.localDescription!.sdp) });
  }

  #filterOn(pc: RTCPeerConnection): void {
    this.#filter = filterDatagrams(pc);
    if (!this.#filter) return void console.error('lean listener: no UDP socket to filter');
    const filter = this.#filter;
    whenSrtpReady(
      pc,
      () => {
        if (this.#filter !== filter || this.#closed) return;
        this.#arrival = arrivalClock(pc);
        filter.tapMedia((d) => this.#onMedia(d));
        this.#tapped = true;
      },
      (why) => this.#filter === filter && !this.#closed && console.error(`lean listener: DTLS ${why}`),
    );
  }

  #untap(): void {
    this.#filter?.detach();
    this.#filter = undefined;
    this.#tapped = false;
  }

  /** Per media datagram: the hot path. */
  #onMedia(d: Buffer): void {
    if (this.sequence.addDatagram(d) !== 'rtp') return;
    const kind = this.#kinds[d[1]! & 0x7f];
    if (kind === AUDIO) this.packets.audio++;
    else if (kind === VIDEO) this.packets.video++;
    if (this.#sampleEvery > 0 && ++this.#n % this.#sampleEvery === 0 && this.delays.delays.length < MAX_DELAYS) this.#sample(d);
  }

  #sample(d: Buffer): void {
    const clear = this.#filter?.decrypt(d);
    if (!clear) return;
    const off = rtpPayloadOffset(clear);
    if (off < 0 || clear.length < off + 8) return;
    const sent = clear.readDoubleBE(off);
    if (sent > 0) this.delays.add(sent, this.#arrival);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#untap();
    this.signal.close();
    await this.pc?.close();
  }
}

/** The payload-type table of an SDP (see {@link payloadTypeKinds}). */
function kindTable(sdp: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const [pt, kind] of payloadTypeKinds(sdp)) if (pt >= 0 && pt < 128) t[pt] = kind === 'audio' ? AUDIO : VIDEO;
  return t;
}
