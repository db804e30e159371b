/**
 * The express lane: the consumers of a producer's stream that the native module sends to in one
 * call per packet (`native/src/fanout.c`), instead of one trip through {@link Consumer.forward}
 * and the fast sender per consumer, one lane per stream or simulcast layer. What it takes is a
 * consumer's steady state: audio or video, on the native send path, over UDP and IPv4, not
 * paused, and for a simulcast stream on the layer its selector wants (it leaves to switch, and
 * when its layer stops: every lane of a producer is checked on any layer's packet). A
 * consumer's first live packet after any change goes through JavaScript, which fixes the
 * rewriting's offsets (sequence numbers, timestamps, VP8 picture ids and TL0PICIDX); it then
 * joins the lane with them and with its sender's state (sequence, rollover counter, counts), and
 * leaves it — taking the state back — when it pauses, closes, or its route changes. A video lane
 * keeps what it sent (`lane-history.ts`): a member's NACKs are answered from there. A lane
 * re-checks its members every {@link LANE_CHECK_MS} (werift changes a nominated pair or an SRTP
 * session without an event).
 * @module
 */
import type { RtpPacket } from 'werift';
import type { Vp8Descriptor } from './codecs/vp8-descriptor.ts';
import { LaneHistory, type LaneOffsets } from './lane-history.ts';
import type { NativeAddon, NativeFanoutGroup, NativeFanoutLeg, NativeSocket, NativeSrtpContext } from './native/addon.ts';
import { flushThisTurn } from './native/send-queue.ts';

/** Where and how the native fan-out sends a stream, as the fast sender (`fast-sender.ts`) would. */
export interface ExpressRoute {
  readonly ctx: NativeSrtpContext;
  readonly socket: NativeSocket;
  /** The IPv4 address as a number, and the port. */
  readonly ip: number;
  readonly port: number;
  readonly ssrc: number;
  readonly pt: number;
  /** Transport-wide extension id (0: none) and the connection's numbering block. */
  readonly ccId: number;
  readonly ccBlock: Buffer | undefined;
}

/** A stream's sending state, handed between the fast sender and the native fan-out. */
export interface SenderState {
  /** Last sequence number sent (-1: none), the rollover counter, last timestamp, when (performance.now()). */
  lastSeq: number;
  roc: number;
  lastTs: number;
  lastSendMs: number;
  /** Packets and payload bytes sent. */
  packets: number;
  octets: number;
}

/** Consumers this process's express lanes send now, by kind (`/healthz`). */
export const laneSeats = { audio: 0, video: 0 };

/** How often a lane re-checks its members (ms). */
export const LANE_CHECK_MS = 250;

/** A member of a lane, as the lane sees it (a consumer's seat: `lane-seat.ts`). */
export interface LaneMember {
  /** Re-checks the member's route and syncs its counters; the member leaves the lane if it must. */
  checkExpress(now: number): void;
}

/** One producer stream's lane. */
export class ExpressLane {
  readonly #addon: NativeAddon;
  readonly #group: NativeFanoutGroup;
  readonly #members = new Set<LaneMember>();
  #checkAt = 0;
  /** What a video lane sent (undefined for audio: its NACKs are not negotiated). */
  readonly history: LaneHistory | undefined;
  readonly #kind: 'audio' | 'video';
  /** The VP8 ids of the last packet sent (-1: none): a member leaving goes on from them. */
  lastPictureId = -1;
  lastTl0PicIdx = -1;

  constructor(addon: NativeAddon, video = false) {
    this.#addon = addon;
    this.#group = addon.fanoutGroup();
    this.history = video ? new LaneHistory() : undefined;
    this.#kind = video ? 'video' : 'audio';
  }

  /** Members now. */
  get size(): number {
    return this.#members.size;
  }

  /** Puts `m` in the lane, sending with `leg` (its route and state set). */
  add(m: LaneMember, leg: ExpressLeg): void {
    this.#addon.fanoutAdd(this.#group, leg.native);
    if (!this.#members.has(m)) laneSeats[this.#kind]++;
    this.#members.add(m);
  }

  /** Takes `m` out (its leg is taken out by {@link ExpressLeg.leave}). */
  delete(m: LaneMember): void {
    if (this.#members.delete(m)) laneSeats[this.#kind]--;
  }

  /** Re-checks the members when {@link LANE_CHECK_MS} have passed since the last time. */
  check(now: number): void {
    if (now < this.#checkAt) return;
    this.#checkAt = now + LANE_CHECK_MS;
    // a member that leaves is deleted from the set as it is visited: the walk goes on
    for (const m of this.#members) m.checkExpress(now);
  }

  /**
   * Sends `packet` to every member (into the native queue, which leaves at the end of this turn);
   * returns how many. `vp8`: the packet's VP8 descriptor, when it has one.
   */
  send(packet: RtpPacket, now: number, vp8?: Vp8Descriptor): number {
    if (this.#members.size === 0) return 0;
    const h = packet.header;
    const ts = h.timestamp >>> 0;
    let n: number;
    if (this.history) {
      this.history.put(h.sequenceNumber, ts, h.marker, packet.payload, vp8);
      const pid = vp8 && vp8.pictureIdBits > 0 ? vp8.pictureId : -1;
      const tl0 = vp8 ? vp8.tl0PicIdx : -1;
      if (pid >= 0) this.lastPictureId = pid;
      if (tl0 >= 0) this.lastTl0PicIdx = tl0;
      const bits = pid >= 0 ? vp8!.pictureIdBits : 0;
      n = this.#addon.fanout(this.#group, h.sequenceNumber, ts, h.marker, packet.payload, now, pid >= 0 ? vp8!.pictureIdPos : -1, bits, Math.max(0, pid), tl0 >= 0 ? vp8!.tl0PicIdxPos : -1, Math.max(0, tl0));
    } else {
      n = this.#addon.fanout(this.#group, h.sequenceNumber, ts, h.marker, packet.payload, now);
    }
    if (n > 0) flushThisTurn(this.#addon);
    return n;
  }
}

/** State read back from the module (one scratch array for every leg: read, then copied). */
const STATE = new Float64Array(6);

/** One consumer's leg of a lane: the module's struct and the route it was given. */
export class ExpressLeg {
  readonly #addon: NativeAddon;
  readonly native: NativeFanoutLeg;
  /** The route the leg sends on (undefined before {@link set}). */
  route: ExpressRoute | undefined;

  constructor(addon: NativeAddon) {
    this.#addon = addon;
    this.native = addon.fanoutLeg();
  }

  /** Gives the leg its route, the rewriting's offsets (output = input + offset) and the sender's state. */
  set(route: ExpressRoute, o: LaneOffsets, s: SenderState): void {
    this.#addon.fanoutLegSet(
      this.native,
      route.ctx,
      route.socket,
      route.ip,
      route.port,
      route.ssrc >>> 0,
      route.pt,
      route.ccId,
      route.ccBlock,
      o.seq & 0xffff,
      o.ts >>> 0,
      o.pid & 0x7fff,
      o.tl0 & 0xff,
      s.lastSeq,
      s.roc >>> 0,
      s.lastTs >>> 0,
      s.lastSendMs,
      s.packets,
      s.octets,
    );
    this.route = route;
  }

  /** The sending state the module reached, written into `out` (the periodic check passes one it keeps). */
  state(out: SenderState = { lastSeq: 0, roc: 0, lastTs: 0, lastSendMs: 0, packets: 0, octets: 0 }): SenderState {
    this.#addon.fanoutLegState(this.native, STATE);
    out.lastSeq = STATE[0]!;
    out.roc = STATE[1]!;
    out.lastTs = STATE[2]!;
    out.lastSendMs = STATE[3]!;
    out.packets = STATE[4]!;
    out.octets = STATE[5]!;
    return out;
  }

  /** Takes the leg out of its lane's group. */
  leave(): void {
    this.#addon.fanoutRemove(this.native);
  }
}
