/**
 * The publisher connection of the SDK: one sendonly transceiver per source, created on first
 * use and kept (muting swaps the track, no renegotiation), and the server told what to forward.
 * @module
 */
import type { TrackSource } from '@rtcroom/protocol';
import { RtcError } from '@rtcroom/protocol/errors';
import type { MediaHost } from '../signal-client.ts';
import { waitForIceGathering } from './ice.ts';
import { cameraEncodings, capTopLayer, fitLayers, withoutScalabilityMode } from './simulcast.ts';

/** What should be sent per source (undefined: nothing). */
export type PublishPlan = Partial<Record<TrackSource, MediaStreamTrack | undefined>>;

const SOURCES: readonly TrackSource[] = ['audio', 'video', 'screen', 'screenAudio'];
/**
 * A sender's `setParameters` that failed (the browser refused the change for now) is tried
 * again after these delays (ms); a newer change (dynacast list, cap, camera size) starts over.
 */
export const ENCODINGS_RETRY_MS: readonly number[] = [250, 500, 1000, 2000];

/** The publisher side of a joined room. */
export class Publisher {
  readonly #signal: MediaHost;
  #pc: RTCPeerConnection | undefined;
  readonly #tx = new Map<TrackSource, RTCRtpTransceiver>();
  readonly #streams = { camera: new MediaStream(), screen: new MediaStream() };
  readonly #published = new Set<TrackSource>();
  #negotiated = false;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Bitrate caps per video source (bps; the top layer's with simulcast). */
  readonly maxBitrate: Partial<Record<TrackSource, number>> = {};
  /** Send the camera as simulcast layers (see `simulcast.ts`). */
  simulcast = true;
  /** Layers the server says someone can use, per source (dynacast); absent: all. */
  readonly #wanted = new Map<TrackSource, boolean[]>();
  /** The pending retry of encodings a sender refused, and how many were made since the last change. */
  #retry: ReturnType<typeof setTimeout> | undefined;
  #retries = 0;
  /** Encodings the browser refused so far (diagnostics, tests). */
  encodingsRefused = 0;

  readonly #onPc: (pc: RTCPeerConnection) => void;

  /** @param onPc called with the connection once it exists (state reporting) */
  constructor(signal: MediaHost, onPc: (pc: RTCPeerConnection) => void) {
    this.#signal = signal;
    this.#onPc = onPc;
  }

  /** The connection, once publishing started. */
  get pc(): RTCPeerConnection | undefined {
    return this.#pc;
  }

  /** Sources the server currently forwards. */
  get published(): ReadonlySet<TrackSource> {
    return this.#published;
  }

  /** Makes what is sent match `plan`; calls are serialised. `api` names the caller in errors. */
  sync(plan: PublishPlan, api: string): Promise<void> {
    return this.#serial(() => this.#sync(plan, api));
  }

  async #sync(plan: PublishPlan, api: string): Promise<void> {
    if (this.#closed) return;
    let renegotiate = !this.#negotiated && this.#tx.size > 0;
    for (const source of SOURCES) {
      const track = plan[source];
      const t = this.#tx.get(source);
      if (!t && track) {
        if (!this.#pc) {
          this.#pc = new RTCPeerConnection(this.#signal.rtcConfiguration());
          this.#onPc(this.#pc);
        }
        const stream = source === 'screen' || source === 'screenAudio' ? this.#streams.screen : this.#streams.camera;
        const encodings = this.#encodings(source, track);
        this.#tx.set(source, addSendTransceiver(this.#pc, track, stream, encodings));
        renegotiate = true;
      } else if (t && t.sender.track !== (track ?? null)) {
        await t.sender.replaceTrack(track ?? null);
      }
    }
    if (renegotiate) await this.#negotiate(api);
    await this.#applyEncodings(true);
    const on = SOURCES.filter((s) => plan[s] && !this.#published.has(s));
    const off = SOURCES.filter((s) => !plan[s] && this.#published.has(s));
    if (off.length) {
      await this.#signal.request('setPublish', { sources: off, publish: false }, api);
      for (const s of off) this.#published.delete(s);
    }
    if (on.length) {
      await this.#signal.request('setPublish', { sources: on, publish: true }, api);
      for (const s of on) this.#published.add(s);
    }
  }

  /**
   * Restarts ICE (the network changed): a new offer with new ICE credentials, gathered on the
   * interfaces there are now. Serialised with {@link Publisher.sync}; a no-op before the first
   * negotiation.
   */
  restartIce(api: string): Promise<void> {
    const run = async (): Promise<void> => {
      if (!this.#closed && this.#pc && this.#negotiated) await this.#negotiate(api, true);
    };
    return this.#serial(run);
  }

  async #negotiate(api: string, iceRestart = false): Promise<void> {
    const pc = this.#pc;
    if (!pc) return;
    this.#negotiated = false;
    await pc.setLocalDescription(await pc.createOffer({ iceRestart }));
    // a first offer goes at once; after an ICE restart, with the new gathering's candidates (see ice.ts)
    if (iceRestart) await waitForIceGathering(pc, this.#signal.gatherCapMs, true);
    const sources: Record<string, TrackSource> = {};
    for (const [source, t] of this.#tx) if (t.mid !== null) sources[t.mid] = source;
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new RtcError('mediaFailed', api, 'no local description');
    const { sdp: answer } = await this.#signal.request('publisherOffer', { sdp, sources }, api);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.#negotiated = true;
  }

  #encodings(source: TrackSource, track: MediaStreamTrack): RTCRtpEncodingParameters[] | undefined {
    if (track.kind !== 'video') return undefined;
    const max = this.maxBitrate[source];
    if (source === 'video' && this.simulcast) return cameraEncodings(track.getSettings().height, max);
    // a screen: one layer, encoded for legibility
    if (source === 'screen' && 'contentHint' in track) track.contentHint = 'detail';
    return max ? [{ maxBitrate: max }] : undefined;
  }

  /**
   * Dynacast: the simulcast layers of `source` anyone can use now (lowest first); the others
   * stop being encoded. Serialised with {@link Publisher.sync}.
   */
  setLayers(source: TrackSource, active: readonly boolean[]): Promise<void> {
    this.#wanted.set(source, [...active]);
    return this.#serial(() => this.#applyEncodings(true));
  }

  /**
   * Keeps each video sender's encodings in line with its caps, its camera's resolution and the
   * layers in use. A sender that refuses is tried again later ({@link ENCODINGS_RETRY_MS}):
   * until then its layers stay as they were (a layer nobody watches keeps being encoded, or one
   * a viewer needs stays off). `fresh`: a new change, whose retries start over.
   */
  async #applyEncodings(fresh: boolean): Promise<void> {
    if (fresh) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
      this.#retries = 0;
    }
    let refused = false;
    for (const [source, t] of this.#tx) {
      const track = t.sender.track;
      if (track?.kind !== 'video') continue;
      const max = this.maxBitrate[source];
      const p = t.sender.getParameters();
      if (!p.encodings?.length) continue;
      const capped = max !== undefined && capTopLayer(p.encodings, max);
      const fitted = source === 'video' && fitLayers(p.encodings, track.getSettings().height, this.#wanted.get(source));
      if (!capped && !fitted) continue;
      try {
        await t.sender.setParameters(p);
      } catch {
        this.encodingsRefused++;
        refused = true;
      }
    }
    if (!refused || this.#closed || this.#retry !== undefined || this.#retries >= ENCODINGS_RETRY_MS.length) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#serial(() => this.#applyEncodings(false)).catch(() => undefined);
    }, ENCODINGS_RETRY_MS[this.#retries++]);
  }

  /** Runs `run` after every call queued before it (whether they failed or not); its result. */
  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Closes the connection (capture tracks are left running). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#published.clear();
    this.#pc?.close();
    this.#pc = undefined;
  }
}

/** Adds a send-only transceiver; a browser refusing the encodings' `scalabilityMode` gets them without it. */
function addSendTransceiver(pc: RTCPeerConnection, track: MediaStreamTrack, stream: MediaStream, encodings: RTCRtpEncodingParameters[] | undefined): RTCRtpTransceiver {
  const init = { direction: 'sendonly' as const, streams: [stream] };
  if (!encodings) return pc.addTransceiver(track, init);
  try {
    return pc.addTransceiver(track, { ...init, sendEncodings: encodings });
  } catch (e) {
    if (!encodings.some((x) => 'scalabilityMode' in x)) throw e;
    return pc.addTransceiver(track, { ...init, sendEncodings: withoutScalabilityMode(encodings) });
  }
}
