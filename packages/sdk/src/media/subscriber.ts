/**
 * The subscriber connection of the SDK: answers the server's offers, maps m-lines to
 * `{userId, source}`, plays remote audio and hands video tracks to `<rtc-room>` elements.
 * @module
 */
import type { ServerEvents, TrackSource } from '@rtcroom/protocol';
import type { MediaHost } from '../signal-client.ts';
import { iceUfrag, waitForIceGathering } from './ice.ts';
import { streams } from './streams.ts';

type Offer = ServerEvents['subscriberOffer'];

/** A remote track and whose it is. */
export interface RemoteTrack {
  userId: string;
  source: TrackSource;
  track: MediaStreamTrack;
}

/** The subscriber side of a joined room. */
export class Subscriber {
  readonly #signal: MediaHost;
  #pc: RTCPeerConnection | undefined;
  #pcId: number | undefined;
  #audio = new Map<string, HTMLAudioElement>();
  #queue: Promise<unknown> = Promise.resolve();
  #sinkId: string | undefined;
  #closed = false;
  #retryPlay = (): void => {
    for (const a of this.#audio.values()) void a.play().catch(() => undefined);
  };
  /** The current remote tracks. */
  tracks: RemoteTrack[] = [];

  readonly #onPc: (pc: RTCPeerConnection) => void;

  /** @param onPc called with each new connection (state reporting) */
  constructor(signal: MediaHost, onPc: (pc: RTCPeerConnection) => void) {
    this.#signal = signal;
    this.#onPc = onPc;
  }

  /** The connection, once the server offered one. */
  get pc(): RTCPeerConnection | undefined {
    return this.#pc;
  }

  /** Handles a server offer (serialised). */
  onOffer(offer: Offer): void {
    const run = () => this.#answer(offer);
    this.#queue = this.#queue.then(run, run).catch((e: unknown) => console.error('rtcroom: subscriber negotiation failed', e));
  }

  #newPc(pcId: number): RTCPeerConnection {
    this.#pc?.close();
    for (const a of this.#audio.values()) a.srcObject = null;
    this.#audio.clear();
    const pc = new RTCPeerConnection(this.#signal.rtcConfiguration());
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind !== 'audio') return;
      const a = new Audio();
      a.autoplay = true;
      a.srcObject = new MediaStream([ev.track]);
      if (this.#sinkId !== undefined && 'setSinkId' in a) void a.setSinkId(this.#sinkId).catch(() => undefined);
      void a.play().catch(() => {
        // autoplay refused until the user interacts with the page
        document.addEventListener('pointerdown', this.#retryPlay, { once: true });
        document.addEventListener('keydown', this.#retryPlay, { once: true });
      });
      this.#audio.set(ev.transceiver.mid ?? String(this.#audio.size), a);
    });
    this.#pc = pc;
    this.#pcId = pcId;
    this.#onPc(pc);
    return pc;
  }

  async #answer(offer: Offer): Promise<void> {
    if (this.#closed) return;
    const pc = offer.pcId === this.#pcId && this.#pc ? this.#pc : this.#newPc(offer.pcId);
    // new ICE credentials: the server restarted ICE (our network changed), gather again
    const restarted = pc.currentRemoteDescription !== null && iceUfrag(offer.sdp) !== iceUfrag(pc.currentRemoteDescription?.sdp);
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    // a first answer goes at once; after an ICE restart, with the new gathering's candidates (see ice.ts)
    if (restarted) await waitForIceGathering(pc, this.#signal.gatherCapMs, true);
    const sdp = pc.localDescription?.sdp ?? '';
    await this.#signal.request('subscriberAnswer', { offerId: offer.offerId, sdp });
    const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
    this.tracks = offer.tracks.flatMap((t) => {
      const track = byMid.get(t.mid)?.receiver.track;
      return track ? [{ userId: t.userId, source: t.source, track }] : [];
    });
    streams.setRemote(this.tracks);
  }

  /** Routes remote audio to an output device (where the browser supports it). */
  async setSinkId(id: string): Promise<boolean> {
    this.#sinkId = id;
    let ok = true;
    for (const a of this.#audio.values()) {
      if ('setSinkId' in a) await a.setSinkId(id).catch(() => (ok = false));
      else ok = false;
    }
    return ok;
  }

  /** Closes the connection and stops playback. */
  close(): void {
    this.#closed = true;
    this.#pc?.close();
    this.#pc = undefined;
    for (const a of this.#audio.values()) a.srcObject = null;
    this.#audio.clear();
    this.tracks = [];
    streams.setRemote([]);
  }
}
