/**
 * A producer: one published track (audio, video, screen or screen audio) of one member, and
 * the fan-out of its packets to consumers.
 * @module
 */
import { FanOut } from './fan-out.ts';
import { AUDIO_LEVEL_URI } from './werift-adapter.ts';
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from 'werift';
import { SOURCE_KIND, type TrackSource } from '@rtcroom/protocol';
import { KeyframeThrottle } from './interceptors/keyframe-throttle.ts';
import type { Consumer } from './consumer.ts';
import { mediaCounts } from './metrics.ts';
import { parseVp8Descriptor, Vp8Descriptor } from './codecs/vp8-descriptor.ts';
import { KeyframeHold } from './keyframe-hold.ts';
import { ExpressLane } from './express-lane.ts';
import type { NativeAddon } from './native/addon.ts';
import { BitrateMeter } from './simulcast/bitrate-meter.ts';
import { LossMeter } from './loss-meter.ts';
import { Dynacast } from './simulcast/dynacast.ts';
import type { LayerInfo } from './simulcast/allocator.ts';

const NO_EXTENSIONS: RtpPacket['header']['extensions'] = [];
/**
 * A camera silent this long and then back has had an outage. Well above the pauses of a camera
 * whose encoder drops frames at a low bitrate: a keyframe requested there makes the congestion
 * it came from worse (measured: the publisher's estimate then failed to pass 1 Mbps).
 */
const RESUME_GAP_MS = 2000;
/** How fast a layer's peak bitrate decays towards its current one (ms, e-folding time). */
const PEAK_DECAY_MS = 3000;

/** Something else that sees every packet a producer forwards (a recording: `recording/track-recorder.ts`). */
export interface RtpTap {
  /**
   * One packet of simulcast layer `layer` (0 for a plain track), while the producer is active.
   * The packet and its payload are shared and valid during the call only.
   */
  onRtp(packet: RtpPacket, now: number, layer: number): void;
}

/** One encoding of a producer: a simulcast layer, or the only stream of a plain track. */
export class ProducerLayer {
  /** 0 = lowest. */
  readonly index: number;
  /** RTP stream id, for a simulcast layer. */
  readonly rid: string | undefined;
  /** SSRC, once a packet came. */
  ssrc: number | undefined;
  /** When the last packet arrived (performance.now()). */
  lastPacketAt = -Infinity;
  /** Incoming bitrate. */
  readonly meter = new BitrateMeter();
  /** Picture size from the last key frame (0 until one came). */
  width = 0;
  /** See {@link ProducerLayer.width}. */
  height = 0;
  /** Keyframe requests for this layer, throttled. */
  readonly keyframes: KeyframeThrottle;
  #peakBps = 0;
  #peakAt = 0;

  /**
   * What the layer costs to forward (bps): its bitrate over the last second, held at its recent
   * peak (decaying over a few seconds). Encoders swing widely from second to second (a keyframe,
   * a busy scene, a CPU-starved encoder); costing a layer at its instantaneous rate would move
   * viewers up and down with every swing.
   */
  costBps(nowMs: number): number {
    const bps = this.meter.bps(nowMs);
    const decayed = this.#peakBps * Math.exp(-(nowMs - this.#peakAt) / PEAK_DECAY_MS);
    if (bps >= decayed) {
      this.#peakBps = bps;
      this.#peakAt = nowMs;
      return bps;
    }
    // a layer that stopped costs nothing (it cannot be chosen)
    return bps === 0 ? 0 : decayed;
  }

  /** The highest sequence number seen (-1: none yet). */
  #lastSeq = -1;

  /** Packets missing before `seq` (0 in order; a late or repeated packet is not counted again). */
  gap(seq: number): number {
    const last = this.#lastSeq;
    if (last < 0) {
      this.#lastSeq = seq;
      return 0;
    }
    const d = (seq - last) & 0xffff;
    if (d === 0 || d >= 0x8000) return 0;
    this.#lastSeq = seq;
    // a jump this large is a restarted sequence, not loss
    return d > 1000 ? 0 : d - 1;
  }

  constructor(index: number, rid: string | undefined, sendPli: (layer: ProducerLayer) => void) {
    this.index = index;
    this.rid = rid;
    this.keyframes = new KeyframeThrottle(() => sendPli(this));
  }
}

/** One incoming track. */
export class Producer {
  /** Owner. */
  readonly userId: string;
  /** What the track is. */
  readonly source: TrackSource;
  /** Media kind. */
  readonly kind: 'audio' | 'video';
  /** Forwarding on (the member publishes this source). */
  active = false;
  /** When it last became active (for publish order in snapshots). */
  activeSince = 0;
  /** SSRC of the incoming stream, once known. */
  ssrc: number | undefined;
  /** Codec clock rate. */
  readonly clockRate: number;
  /** Packets received while active. */
  packets = 0;
  /** Packets received and missing while active, over the last seconds (operators' stats). */
  readonly loss = new LossMeter();
  /** When the last packet arrived, active or not (performance.now(); -Infinity before any). */
  lastPacketAt = -Infinity;
  /** Consumers of this producer. */
  /** Its consumers; `list` holds those sent to one by one (`Consumer.listed`: not the express lane's, not paused ones). */
  readonly consumers = new FanOut<Consumer>((c) => c.listed);
  /** The consumers the native module sends to in one call per packet, per layer (`express-lane.ts`; made on first use). */
  readonly #lanes: (ExpressLane | undefined)[] = [];
  /** Recorders of this producer (they want its highest layer, as a viewer of unknown size does). */
  readonly taps = new Set<RtpTap>();
  /** The publisher's last sender report (for lip-sync across forwarding). */
  lastSr: { ntpMs: number; rtp: number; atMs: number } | undefined;
  /** Receives the RFC 6464 level of each audio packet while active (-dBov, arrival ms). */
  onLevel: ((level: number, atMs: number) => void) | undefined;
  /** Its encodings, lowest first: one, or the simulcast layers the publisher offered. */
  layers: ProducerLayer[];
  /**
   * The VP8 payload descriptor of the packet being forwarded (valid during
   * {@link Consumer.forward}; `vp8Valid` false when the payload is not VP8 or too short).
   */
  readonly vp8 = new Vp8Descriptor();
  /** Whether {@link Producer.vp8} describes the packet being forwarded. */
  vp8Valid = false;
  /** True while held packets are handed out ({@link replayHold}): not live ones. */
  replaying = false;
  /** Which of its simulcast layers the publisher should send. */
  readonly dynacast = new Dynacast();
  /** Its latest keyframes, kept while a subscriber's connection comes up (video). */
  readonly hold = new KeyframeHold();
  #receiver: RTCRtpReceiver | undefined;
  #info: readonly LayerInfo[] = [];
  #infoAt = NaN;
  readonly #unsubscribe = new Map<number, () => void>();
  #closed = false;

  constructor(userId: string, source: TrackSource) {
    this.userId = userId;
    this.source = source;
    this.kind = SOURCE_KIND[source];
    this.clockRate = this.kind === 'audio' ? 48000 : 90000;
    this.layers = [this.#layer(0, undefined)];
    mediaCounts.producers++;
  }

  #layer(index: number, rid: string | undefined): ProducerLayer {
    return new ProducerLayer(index, rid, (l) => this.#sendPli(l));
  }

  /**
   * What the allocator needs of each layer (size and cost) at `nowMs`, computed once for all the
   * subscribers one allocation round visits (they pass the same `nowMs`).
   */
  layerInfo(nowMs: number): readonly LayerInfo[] {
    if (nowMs !== this.#infoAt || this.#info.length !== this.layers.length) {
      this.#infoAt = nowMs;
      this.#info = this.layers.map((l) => ({ index: l.index, width: l.width, height: l.height, bitrateBps: l.costBps(nowMs) }));
    }
    return this.#info;
  }

  /** Whether the publisher sends simulcast layers. */
  get simulcast(): boolean {
    return this.layers.length > 1;
  }

  /**
   * The simulcast layers the publisher's offer announced (`a=rid … send`, lowest first), or none
   * for a plain track. Layers keep their state when the list does not change.
   */
  setRids(rids: readonly string[]): void {
    const now = this.layers.map((l) => l.rid ?? '');
    const want = rids.length > 1 ? [...rids] : [''];
    if (now.join(' ') === want.join(' ')) return;
    for (const l of this.layers) l.keyframes.close();
    this.layers = want.map((rid, i) => this.#layer(i, rid || undefined));
  }

  /** Keyframe requests sent upstream, all layers. */
  get keyframesSent(): number {
    let n = 0;
    for (const l of this.layers) n += l.keyframes.sent;
    return n;
  }

  /** Binds an incoming track (one per simulcast layer) once the publisher's transceiver produced it. */
  attach(track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    const found = track.rid ? this.layers.findIndex((l) => l.rid === track.rid) : 0;
    const index = Math.max(0, found);
    const layer = this.layers[index]!;
    this.#unsubscribe.get(index)?.();
    this.#receiver = receiver;
    if (track.ssrc) layer.ssrc = track.ssrc;
    this.ssrc ??= track.ssrc;
    const rtp = track.onReceiveRtp.subscribe((packet, ext) => {
      // one clock read per packet, shared by every consumer and the level detector
      const now = performance.now();
      this.#onRtp(layer, packet, now);
      if (this.active && this.onLevel && ext) {
        const al = ext[AUDIO_LEVEL_URI] as { level?: number } | undefined;
        if (al?.level !== undefined) this.onLevel(al.level, now);
      }
    });
    const rtcp = track.onReceiveRtcp.subscribe((p) => {
      if (p.type !== 200) return;
      const ntp = (p as { senderInfo: { ntpTimestamp: bigint; rtpTimestamp: number } }).senderInfo;
      const secs = Number(ntp.ntpTimestamp >> 32n) - 2208988800 + Number(ntp.ntpTimestamp & 0xffffffffn) / 0x100000000;
      this.lastSr = { ntpMs: secs * 1000, rtp: ntp.rtpTimestamp, atMs: performance.now() };
    });
    this.#unsubscribe.set(index, () => {
      rtp.unSubscribe();
      rtcp.unSubscribe();
    });
    if (this.active && this.consumers.size + this.taps.size > 0) this.requestKeyframe(index);
  }

  /** The express lane of this producer's stream, or of one of its simulcast layers (made on first use; see `express-lane.ts`). */
  lane(addon: NativeAddon, layer = 0): ExpressLane {
    return (this.#lanes[layer] ??= new ExpressLane(addon, this.kind === 'video'));
  }

  /** Asks the publisher for a keyframe of `layer` (-1: every layer; video only; throttled per layer). */
  requestKeyframe(layer = -1): void {
    if (this.kind !== 'video' || this.#closed) return;
    if (layer >= 0) this.layers[Math.min(layer, this.layers.length - 1)]!.keyframes.request();
    else for (const l of this.layers) l.keyframes.request();
  }

  #sendPli(layer: ProducerLayer): void {
    const ssrc = layer.ssrc ?? (this.simulcast ? undefined : this.ssrc);
    if (this.#receiver && ssrc !== undefined) {
      mediaCounts.plisSent++;
      void this.#receiver.sendRtcpPLI(ssrc).catch(() => undefined);
    }
  }

  #onRtp(layer: ProducerLayer, packet: RtpPacket, now: number): void {
    // a camera that resumes after an outage (the publisher's link was cut): whatever subscribers
    // lost meanwhile cannot be repaired, and their own keyframe requests went nowhere — ask at once
    // (not for screens: a still screen may rightly send nothing for a while)
    const resumed = this.source === 'video' && this.lastPacketAt !== -Infinity && now - this.lastPacketAt > RESUME_GAP_MS;
    this.lastPacketAt = now;
    layer.lastPacketAt = now;
    const payload = packet.payload;
    layer.meter.add(payload.length, now);
    if (!this.active) return;
    if (resumed && this.consumers.size + this.taps.size > 0) this.requestKeyframe();
    this.packets++;
    mediaCounts.received++;
    mediaCounts.receivedBytes += payload.length;
    const gap = layer.gap(packet.header.sequenceNumber);
    mediaCounts.lost += gap;
    this.loss.add(gap, now);
    const ssrc = packet.header.ssrc;
    this.ssrc = ssrc;
    layer.ssrc = ssrc;
    // the publisher's extension ids mean nothing on the subscriber legs
    packet.header.extensions = NO_EXTENSIONS;
    if (this.kind === 'video') {
      const d = this.vp8;
      this.#describe(payload);
      if (this.vp8Valid && d.width > 0) {
        layer.width = d.width;
        layer.height = d.height;
      }
      const hold = this.hold;
      if (hold.size > 0 || hold.armed(now)) hold.add(packet, layer.index, this.vp8Valid && d.keyframe, now);
    }
    // the lane first: a member leaving it at its check gets this packet below, one joining below
    // got it there
    const lanes = this.#lanes;
    // every lane is checked on any layer's packet: the members of a layer that stopped leave it
    // (their layer selector then falls back to a layer that flows)
    for (let i = 0; i < lanes.length; i++) if (lanes[i] !== undefined && lanes[i]!.size > 0) lanes[i]!.check(now);
    const lane = lanes[layer.index];
    if (lane !== undefined && lane.size > 0) {
      const n = lane.send(packet, now, this.vp8Valid ? this.vp8 : undefined);
      mediaCounts.forwarded += n;
      mediaCounts.forwardedBytes += n * payload.length;
    }
    const consumers = this.consumers.list;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.forward(packet, now, layer.index);
    if (this.taps.size > 0) for (const t of this.taps) t.onRtp(packet, now, layer.index);
  }

  /** Parses `payload`'s VP8 descriptor into {@link Producer.vp8} (`vp8Valid` says whether it is one). */
  #describe(payload: Buffer): void {
    this.vp8Valid = parseVp8Descriptor(payload, 0, payload.length, this.vp8);
  }

  /**
   * Hands `to` what the keyframe hold keeps (a subscriber's connection just came up), each packet
   * described in {@link Producer.vp8} as a live one is; returns how many packets.
   */
  replayHold(now: number, to: (packet: RtpPacket, layer: number) => void): number {
    this.replaying = true;
    try {
      return this.hold.replay(now, (packet, layer) => {
        this.#describe(packet.payload);
        to(packet, layer);
      });
    } finally {
      this.replaying = false;
    }
  }

  /** Stops forwarding and detaches consumers (they are closed by their owners). */
  close(): void {
    if (this.#closed) return;
    mediaCounts.producers--;
    this.#closed = true;
    this.active = false;
    for (const off of this.#unsubscribe.values()) off();
    this.#unsubscribe.clear();
    for (const l of this.layers) l.keyframes.close();
  }
}
