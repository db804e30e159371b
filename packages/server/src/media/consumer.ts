/**
 * A consumer: the copy of one producer sent to one subscriber, through one send slot (a
 * transceiver of the subscriber connection, `send-slot.ts`) whose rewriter keeps the stream
 * continuous.
 * @module
 */
import type { RtpPacket } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import type { Producer } from './producer.ts';
import type { SeqTsRewriter } from './rewriter.ts';
import type { FastRtpSender } from './fast-sender.ts';
import type { SendSlot } from './send-slot.ts';
import { mediaCounts } from './metrics.ts';
import { BitrateMeter } from './simulcast/bitrate-meter.ts';
import { LayerSelector } from './simulcast/layer-selector.ts';
import type { Viewport } from './simulcast/allocator.ts';
import { applyPatch, NO_PATCH, packPatch } from './payload-patch.ts';
import { LaneSeat } from './lane-seat.ts';

const noop = (): void => undefined;
/** A simulcast layer without packets this long has stopped (ms): ten frames at 15 fps. */
const LAYER_STALE_MS = 600;
/**
 * A keyframe asked for by {@link Consumer.prepare} this recently may still come (ms): a start
 * then waits for it rather than ask again (the throttle would send a second one ~350 ms later).
 */
const KEYFRAME_ANSWER_MS = 500;
/** One producer forwarded to one subscriber. */
export class Consumer {
  readonly producer: Producer;
  readonly slot: SendSlot;
  /** Packets forwarded. */
  forwarded = 0;
  /** Forwarded bitrate over the last second (operators' stats). */
  readonly meter = new BitrateMeter();
  #closed = false;
  /** The simulcast layer choice (a simulcast video producer only; made on its first packet). */
  #selector: LayerSelector | undefined;
  /** The layer wanted: an index, the top (`Infinity`), or none (`-1`: video paused). */
  #target = Infinity;
  /** The subscriber's tile for this track, as last reported (undefined: unknown). */
  viewport: Viewport | undefined;
  /** The slot's sender, rewriter and kind, kept here: a forwarded packet then reads one object less. */
  readonly #fast: FastRtpSender;
  readonly #rewriter: SeqTsRewriter;
  readonly #video: boolean;
  /** When {@link prepare} asked for a keyframe (performance.now() ms). */
  #preparedAt = -Infinity;
  /** Its place in the producer's express lane (see `express-lane.ts`). */
  readonly #seat: LaneSeat;

  constructor(producer: Producer, slot: SendSlot) {
    this.producer = producer;
    this.slot = slot;
    this.#fast = slot.fast;
    this.#rewriter = slot.rewriter;
    this.#video = slot.kind === 'video';
    this.#seat = new LaneSeat({
      fast: slot.fast,
      rewriter: slot.rewriter,
      vp8: this.#video ? slot.vp8 : undefined,
      laneAllowed: (now) => !this.#closed && this.#target >= 0 && this.slot.consumer === this && this.#settled(now),
      laneOf: (addon) => producer.lane(addon, Math.max(0, this.#selector?.current ?? 0)),
      seatChanged: () => producer.consumers.refresh(),
      counted: (packets, octets, now) => {
        this.forwarded += packets;
        if (octets > 0) this.meter.add(octets, now);
      },
      left: () => this.#seeLayers(),
    });
    // the slot's previous user must not send on it any more (it is normally closed already)
    slot.consumer?.leaveLane(performance.now());
    slot.consumer = this;
    slot.lastKey = Consumer.key(producer.userId, producer.source);
    slot.rewriter.switchSource();
    slot.vp8.switchSource();
    producer.consumers.add(this);
    mediaCounts.consumers++;
  }

  /** `userId/source`. */
  static key(userId: string, source: TrackSource): string {
    return `${userId}/${source}`;
  }

  /** The layer being forwarded (-1: none yet, or paused). */
  get currentLayer(): number {
    if (this.#selector) return this.#selector.current;
    return this.#target < 0 ? -1 : 0;
  }

  /** Layer switches so far (diagnostics). */
  get switches(): number {
    return this.#selector?.switches ?? 0;
  }

  /** The layer wanted (-1: paused). */
  get targetLayer(): number {
    return this.#target === Infinity ? this.producer.layers.length - 1 : this.#target;
  }

  /**
   * Chooses the layer to forward: an index (lowest 0; clamped to the layers there are), or -1
   * to pause. A switch happens on the new layer's next keyframe (asked for); a plain track
   * resumed from a pause asks for a keyframe at once. Resumed audio goes on with the next
   * sequence number, its timestamps advanced by the pause (like a DTX gap, not a loss).
   */
  setTargetLayer(layer: number): void {
    const was = this.#target;
    if (this.#selector && was >= 0 && layer >= 0) {
      const from = this.targetLayer;
      const to = Math.min(layer, this.producer.layers.length - 1);
      if (to < from) mediaCounts.layerStepsDown++;
      else if (to > from) mediaCounts.layerStepsUp++;
    }
    // a pause, or another layer to switch to (its selector must see the packets again)
    if (layer < 0 || (this.#selector && layer !== was)) this.leaveLane(performance.now());
    this.#target = layer;
    // a paused plain stream is not in the producer's per-packet loop at all
    if ((was < 0) !== (layer < 0)) this.producer.consumers.refresh();
    const sel = this.#selector;
    if (sel) {
      const current = sel.current;
      sel.setTarget(layer === Infinity ? this.producer.layers.length - 1 : layer);
      if (layer >= 0 && layer < current) {
        // a step down: what is queued for the old layer is useless and in the way
        sel.dropCurrent();
        this.slot.fast.forgetHistory();
        this.#seat.forget();
        sel.requestKeyframe(sel.target, performance.now());
      }
    } else if (was < 0 && layer >= 0) {
      // resumed audio continues with the next sequence number (a pause is not loss)
      if (this.producer.kind === 'audio' && this.slot.consumer === this) this.slot.rewriter.switchSource();
      this.producer.requestKeyframe(0);
    }
  }

  /**
   * Asks for a keyframe of what this consumer forwards or is about to (a PLI of its subscriber,
   * or its connection coming up): the layer it switches to next if that one flows, else the
   * one it forwards, else the flowing layer nearest its target.
   */
  requestKeyframe(): void {
    const sel = this.#selector;
    if (!sel) {
      if (this.#target >= 0) this.producer.requestKeyframe(this.producer.layers.length > 1 ? this.#flowingLayerNear(this.targetLayer) : 0);
      return;
    }
    const layer = Math.max(sel.current, sel.effectiveTarget(performance.now()));
    if (layer >= 0) this.producer.requestKeyframe(layer);
  }

  /**
   * Readies the start of a video consumer whose connection is not up yet: the producer keeps its
   * next keyframe and what follows ({@link Producer.hold}), and one is asked for now, so it can
   * come while ICE and DTLS run.
   */
  prepare(now = performance.now()): void {
    if (this.producer.kind !== 'video' || this.#closed) return;
    this.producer.hold.arm(now);
    this.#preparedAt = now;
    this.requestKeyframe();
  }

  /**
   * Starts a consumer whose connection just came up (or came back): video that sent nothing yet
   * starts on the keyframe the producer holds; otherwise on the one {@link prepare} asked for
   * if that may still come, else on one asked for now. (Held packets are never sent after newer
   * ones: a consumer that forwarded anything gets a new keyframe instead.)
   */
  start(now = performance.now()): void {
    if (this.producer.kind !== 'video' || this.#closed) return;
    if (this.forwarded === 0 && this.producer.replayHold(now, (packet, layer) => this.forward(packet, now, layer)) > 0) {
      mediaCounts.heldStarts++;
      return;
    }
    if (now - this.#preparedAt > KEYFRAME_ANSWER_MS) this.requestKeyframe();
  }

  /**
   * Whether the stream is in its steady state: a plain stream always; a simulcast one once its
   * selector forwards the layer it wants, as far as the producer's layers flow (what the express
   * lane sends the selector does not see).
   */
  #settled(now: number): boolean {
    const sel = this.#selector;
    if (!sel) return this.producer.layers.length === 1;
    this.#seeLayers();
    return sel.current >= 0 && sel.current === sel.effectiveTarget(now);
  }

  /** Tells the layer selector when each layer last had a packet (the express lane's were not seen). */
  #seeLayers(): void {
    const sel = this.#selector;
    if (!sel) return;
    const layers = this.producer.layers;
    for (let i = 0; i < layers.length; i++) sel.saw(i, layers[i]!.lastPacketAt);
  }

  /** The layer nearest `target` (at or below first) that had a packet lately, else `target`. */
  #flowingLayerNear(target: number): number {
    const now = performance.now();
    const flows = (i: number) => now - this.producer.layers[i]!.lastPacketAt <= LAYER_STALE_MS;
    for (let i = target; i >= 0; i--) if (flows(i)) return i;
    for (let i = target + 1; i < this.producer.layers.length; i++) if (flows(i)) return i;
    return target;
  }

  #selectorFor(layers: number): LayerSelector {
    let s = this.#selector;
    if (!s || s.layers.length !== layers) {
      const target = this.#target === Infinity ? layers - 1 : this.#target;
      s = this.#selector = new LayerSelector(
        this.producer.layers.map((l) => ({ rid: l.rid })),
        // a layer silent for 600 ms has stopped (the publisher's estimate fell): fall back to one that flows
        // layers the producer has not had lately (paused by dynacast) do not hold up the start
        { requestKeyframe: (layer) => this.producer.requestKeyframe(layer), staleMs: LAYER_STALE_MS, lastPacketAt: this.producer.layers.map((l) => l.lastPacketAt) },
        target,
      );
    }
    return s;
  }

  /**
   * Sends one packet of layer `layer`. The packet object is shared by every consumer of the
   * producer and is never changed on the fast path (this subscriber's VP8 picture ids are
   * written only while it is encrypted); on werift's path its header is rewritten, handed to
   * the sender (which copies it synchronously), then restored.
   */
  forward(packet: RtpPacket, now: number, layer = 0): void {
    if (this.#closed) return;
    const p = this.producer;
    const fast = this.#fast;
    const path = fast.path(now);
    // DTLS not up yet: neither path could send, and a layer chosen now would start on a keyframe
    // nobody receives (the keyframe requested when the connection comes up starts it instead)
    if (path === 'wait') return;
    if (p.layers.length > 1) {
      const d = p.vp8;
      const sel = this.#selectorFor(p.layers.length);
      if (sel.onPacket(layer, p.vp8Valid && d.keyframe, p.vp8Valid && d.startsFrame, now) === 'drop') return;
    } else if (this.#target < 0) return;
    const h = packet.header;
    const seq = h.sequenceNumber;
    const ts = h.timestamp;
    const rw = this.#rewriter;
    rw.rewrite(h.ssrc, seq, ts, now, this.producer.clockRate);
    let patchA = NO_PATCH;
    let patchB = NO_PATCH;
    if (p.vp8Valid) {
      const d = p.vp8;
      const ids = this.slot.vp8;
      ids.rewrite(h.ssrc, d);
      if (ids.pictureId >= 0) {
        const pid = d.pictureIdBits === 15 ? 0x8000 | ids.pictureId : ids.pictureId & 0x7f;
        if (pid !== (d.pictureIdBits === 15 ? 0x8000 | d.pictureId : d.pictureId)) patchA = packPatch(d.pictureIdPos, d.pictureIdBits === 15 ? 2 : 1, pid);
      }
      if (ids.tl0PicIdx >= 0 && ids.tl0PicIdx !== d.tl0PicIdx) patchB = packPatch(d.tl0PicIdxPos, 1, ids.tl0PicIdx);
    }
    if (path === 'fast') {
      if (fast.sendOnFastPath(rw.seq, rw.timestamp, h.marker, packet.payload, this.#video, now, patchA, patchB)) {
        this.forwarded++;
        mediaCounts.forwarded++;
        mediaCounts.forwardedBytes += packet.payload.length;
        this.meter.add(packet.payload.length, now);
        // (a held packet handed out at the start is not live: the lane goes on from live ones)
        if (!p.replaying) this.#seat.join(seq, ts, now);
      }
      return;
    }
    // werift's path (an SRTP profile the fast path does not write), from the leg's first packet on
    h.sequenceNumber = rw.seq;
    h.timestamp = rw.timestamp;
    const undoA = applyPatch(packet.payload, patchA);
    const undoB = applyPatch(packet.payload, patchB);
    try {
      this.slot.transceiver.sender.sendRtp(packet).catch(noop);
      this.forwarded++;
      mediaCounts.forwarded++;
      mediaCounts.forwardedBytes += packet.payload.length;
      this.meter.add(packet.payload.length, now);
    } catch {
      // one subscriber's failure never reaches the publisher or other subscribers
    } finally {
      h.sequenceNumber = seq;
      h.timestamp = ts;
      applyPatch(packet.payload, undoB);
      applyPatch(packet.payload, undoA);
    }
  }

  /** Whether the producer's express lane sends this consumer's packets (see `express-lane.ts`). */
  get inExpress(): boolean {
    return this.#seat.seated;
  }

  /**
   * Whether the producer hands this consumer its packets one by one ({@link forward}): not when
   * the express lane sends them, nor while a plain stream is paused (audio selection pauses most
   * of a big room's streams for each listener: they would each cost a call per packet that does
   * nothing). A simulcast stream stays: its layer selector follows every packet.
   */
  get listed(): boolean {
    return !this.inExpress && (this.#target >= 0 || this.producer.layers.length > 1);
  }

  /** Leaves the express lane, if in it: the next packet goes through {@link forward}. */
  leaveLane(now: number): void {
    this.#seat.leave(now);
  }

  /** Brings the fast sender's counts up to what the express lane sent (sender reports need them). */
  syncExpress(now: number): void {
    this.#seat.sync(now);
  }

  /** Makes the packets of `lost` that the express lane sent answerable from the sender's history (see `LaneSeat.recall`). */
  recall(lost: readonly number[]): void {
    this.#seat.recall(lost, performance.now());
  }

  /** Detaches from the producer and frees the slot. */
  close(): void {
    if (this.#closed) return;
    this.leaveLane(performance.now());
    this.#closed = true;
    mediaCounts.consumers--;
    this.producer.consumers.delete(this);
    if (this.slot.consumer === this) this.slot.consumer = undefined;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }
}
