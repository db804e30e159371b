/**
 * Simulcast layer selection for one subscriber of one simulcast track. The publisher sends
 * the same video as up to three independent encodings (spatial layers, 0 = lowest). An
 * allocator picks the layer the subscriber should get (`target`); the selector decides, packet
 * by packet, what is actually forwarded (`current`). Layers are independent VP8/H.264
 * streams, so the switch to another layer can only happen on one of its key frames: until
 * then the current layer keeps flowing, and a key frame of the wanted layer is asked for.
 * @module
 */

/** One simulcast encoding of the track. */
export interface SimulcastLayer {
  /** RTP stream id (`a=rid`), when the publisher uses rids. */
  rid?: string;
  /** SSRC, once known (rid-only publishers reveal it with their first packets). */
  ssrc?: number;
}

/** What to do with one packet. */
export type LayerDecision = 'forward' | 'drop';

/** Tuning of a {@link LayerSelector}. */
export interface LayerSelectorOptions {
  /** Asks the publisher for a key frame of a layer (a PLI on that layer's SSRC). */
  requestKeyframe: (layer: number) => void;
  /** At most one key frame request per layer per this interval (default 500 ms). */
  keyframeIntervalMs?: number;
  /** A layer without packets for longer than this has stopped (default 1000 ms). */
  staleMs?: number;
  /**
   * When each layer last had a packet before this selector existed (performance.now(); -Infinity:
   * never), as its producer knows. Given, a layer it has not seen is not flowing, so a new viewer
   * starts at once on a layer that flows (e.g. when dynacast paused the top one) instead of
   * waiting `staleMs` for a layer that may not come. Without it, layers never seen count as
   * flowing until `staleMs` after the first packet.
   */
  lastPacketAt?: readonly number[];
}

/** Per-subscriber, per-track choice of the simulcast layer to forward. */
export class LayerSelector {
  /** The encodings, lowest first. `ssrc` may be filled in later with {@link bindSsrc}. */
  readonly layers: SimulcastLayer[];
  readonly #requestKeyframe: (layer: number) => void;
  readonly #keyframeIntervalMs: number;
  readonly #staleMs: number;
  readonly #lastPacketAt: number[];
  readonly #lastRequestAt: number[];
  /** When the selector saw its first packet: layers never seen count as alive until staleMs after (unless seeded). */
  #since = -1;
  /** Whether {@link LayerSelectorOptions.lastPacketAt} told which layers flowed before. */
  readonly #seeded: boolean;
  #target: number;
  #current = -1;
  /** The packet just decided on is the first of a new layer (re-base rewriters on it). */
  switched = false;
  /** Times `current` changed to a layer (including the first start and resuming after a pause). */
  switches = 0;
  /** Key frame requests made. */
  keyframeRequests = 0;

  /**
   * @param layers the encodings, lowest first
   * @param target the initial target layer (default: the highest), -1 to start paused
   */
  constructor(layers: readonly SimulcastLayer[], options: LayerSelectorOptions, target = layers.length - 1) {
    this.layers = layers.map((l) => ({ ...l }));
    this.#requestKeyframe = options.requestKeyframe;
    this.#keyframeIntervalMs = options.keyframeIntervalMs ?? 500;
    this.#staleMs = options.staleMs ?? 1000;
    this.#lastPacketAt = layers.map((_, i) => options.lastPacketAt?.[i] ?? -Infinity);
    this.#seeded = options.lastPacketAt !== undefined;
    this.#lastRequestAt = layers.map(() => -Infinity);
    this.#target = this.#clamp(target);
  }

  /** The layer the allocator wants, -1 when paused. */
  get target(): number {
    return this.#target;
  }

  /** The layer being forwarded, -1 when none (not started yet, or paused). */
  get current(): number {
    return this.#current;
  }

  /**
   * Sets the wanted layer (clamped to the layers there are); -1 pauses: nothing is forwarded
   * and resuming waits for a key frame like a first start.
   */
  setTarget(layer: number): void {
    this.#target = this.#clamp(layer);
    if (this.#target < 0) this.#current = -1;
  }

  /**
   * Stops forwarding the current layer at once (a step down for congestion: its packets would
   * only fill the queue the wanted layer's keyframe must pass); forwarding resumes on the
   * target's keyframe, asked for with the next frame of the target.
   */
  dropCurrent(): void {
    this.#current = -1;
  }

  /**
   * Notes that `layer` had a packet at `atMs` (performance.now()) that this selector did not see
   * (the express lane sent it), so the layer does not look stopped when packets come here again.
   */
  saw(layer: number, atMs: number): void {
    if (layer >= 0 && layer < this.layers.length && atMs > this.#lastPacketAt[layer]!) this.#lastPacketAt[layer] = atMs;
  }

  /** Records the SSRC of the layer with this rid. @returns its index, or -1 for an unknown rid */
  bindSsrc(rid: string, ssrc: number): number {
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i]!;
      if (l.rid === rid) {
        l.ssrc = ssrc;
        return i;
      }
    }
    return -1;
  }

  /** The layer index of an SSRC, or -1. */
  layerOfSsrc(ssrc: number): number {
    for (let i = 0; i < this.layers.length; i++) if (this.layers[i]!.ssrc === ssrc) return i;
    return -1;
  }

  /**
   * The layer packets should come from now: the target if it is flowing, else the nearest
   * flowing layer below it, else the nearest above; the target when none flows. -1 when paused.
   */
  effectiveTarget(nowMs: number): number {
    const t = this.#target;
    if (t < 0 || this.#alive(t, nowMs)) return t;
    for (let i = t - 1; i >= 0; i--) if (this.#alive(i, nowMs)) return i;
    for (let i = t + 1; i < this.layers.length; i++) if (this.#alive(i, nowMs)) return i;
    return t;
  }

  /**
   * Decides on one packet. Sets {@link LayerSelector.switched} when this packet is the first
   * forwarded from a new layer. While the wanted layer is not the current one, a delta frame
   * start on the wanted layer calls `requestKeyframe` for it (throttled per layer).
   * @param layer index of the layer the packet belongs to (see {@link layerOfSsrc})
   * @param isKeyframe the packet begins a key frame
   * @param startsFrame the packet is the first of its frame
   * @param nowMs arrival time (a monotonic clock, e.g. performance.now())
   */
  onPacket(layer: number, isKeyframe: boolean, startsFrame: boolean, nowMs: number): LayerDecision {
    this.switched = false;
    if (layer < 0 || layer >= this.layers.length) return 'drop';
    if (this.#since < 0) this.#since = nowMs;
    this.#lastPacketAt[layer] = nowMs;
    const want = this.effectiveTarget(nowMs);
    if (want < 0) return 'drop';
    if (want === this.#current) return layer === want ? 'forward' : 'drop';
    if (layer === want && isKeyframe && startsFrame) {
      this.#current = want;
      this.switched = true;
      this.switches++;
      return 'forward';
    }
    // the wanted layer flows but this frame is not a key frame: ask for one (not on other
    // layers' packets, which may run ahead of a key frame already on its way)
    if (layer === want && startsFrame) this.#maybeRequest(want, nowMs);
    return layer === this.#current ? 'forward' : 'drop';
  }

  /**
   * Asks for a key frame of `layer` now (a step down wants the smaller layer's at once), and
   * counts it: the wanted layer's next delta frames, which come before it, ask for none again
   * within the interval.
   */
  requestKeyframe(layer: number, nowMs: number): void {
    if (layer < 0 || layer >= this.layers.length) return;
    this.#lastRequestAt[layer] = nowMs;
    this.keyframeRequests++;
    this.#requestKeyframe(layer);
  }

  #maybeRequest(layer: number, nowMs: number): void {
    if (nowMs - this.#lastRequestAt[layer]! < this.#keyframeIntervalMs) return;
    this.requestKeyframe(layer, nowMs);
  }

  #alive(layer: number, nowMs: number): boolean {
    const last = this.#lastPacketAt[layer]!;
    if (last === -Infinity) return !this.#seeded && this.#since >= 0 && nowMs - this.#since <= this.#staleMs;
    return nowMs - last <= this.#staleMs;
  }

  #clamp(layer: number): number {
    return layer < 0 ? -1 : Math.min(layer, this.layers.length - 1);
  }
}
