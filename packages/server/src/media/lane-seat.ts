/**
 * A consumer's seat in its producer's express lane (`express-lane.ts`): it joins with the fast
 * sender's state and the offsets its last packet was rewritten with, is checked every few hundred
 * ms, and leaves with the state taken back, so that the next packet through JavaScript goes on
 * where the module stopped. A video seat answers NACKs for what the lane sent from the lane's
 * history ({@link LaneSeat.recall}).
 * @module
 */
import { ExpressLeg, type ExpressLane, type LaneMember, type SenderState } from './express-lane.ts';
import type { FastRtpSender } from './fast-sender.ts';
import type { LaneOffsets, MemberPacket } from './lane-history.ts';
import type { NativeAddon } from './native/addon.ts';
import { NO_PATCH } from './payload-patch.ts';
import type { SeqTsRewriter } from './rewriter.ts';
import type { Vp8Continuity } from './simulcast/vp8-continuity.ts';

/** A stream the express lane could not take (no native route: ICE-TCP, IPv6) is offered again after this (ms). */
export const LANE_RETRY_MS = 1000;

/** A stream without VP8 ids: nothing to move. */
const NO_IDS = { pid: 0, tl0: 0 };
/** One recalled packet (written, then copied into the history). */
const SCRATCH: MemberPacket = { ts: 0, marker: false, payload: Buffer.alloc(0), patchA: NO_PATCH, patchB: NO_PATCH };

/** Whether output sequence number `seq` lies in a stay from `from` to `to` (-1: not over). */
function inStay(seq: number, from: number, to: number): boolean {
  const after = (seq - from) & 0xffff;
  if (after >= 0x8000) return false;
  return to < 0 || ((to - seq) & 0xffff) < 0x8000;
}

/** What a seat needs of its consumer. */
export interface SeatOwner {
  readonly fast: FastRtpSender;
  readonly rewriter: SeqTsRewriter;
  /** The stream's VP8 id mapping (video). */
  readonly vp8: Vp8Continuity | undefined;
  /** Whether the stream may be in the lane now: not paused, not closed, still its slot's user, in its steady state. */
  laneAllowed(now: number): boolean;
  /** The lane of what it forwards (its producer's stream, or the simulcast layer it forwards). */
  laneOf(addon: NativeAddon): ExpressLane;
  /** It left the lane: packets come to it one by one again. */
  left(): void;
  /** The seat was taken or left (the producer's per-packet list changes). */
  seatChanged(): void;
  /** What the lane sent for it since the last call. */
  counted(packets: number, octets: number, now: number): void;
}

/** One consumer's place in the lane, or its absence. */
export class LaneSeat implements LaneMember {
  readonly #owner: SeatOwner;
  #lane: ExpressLane | undefined;
  #leg: ExpressLeg | undefined;
  #offsets: LaneOffsets = { seq: 0, ts: 0, pid: 0, tl0: 0 };
  #refusedAt = -Infinity;
  /** The lane of the last stay and the output sequence numbers it sent: the first, and the last once left (-1: still in it). */
  #stayLane: ExpressLane | undefined;
  #stayFrom = 0;
  #stayTo = -1;
  /** What of the lane's counts the owner has been told. */
  #packets = 0;
  #octets = 0;
  /** The leg's state as the periodic check reads it (one object, filled each time). */
  readonly #state: SenderState = { lastSeq: 0, roc: 0, lastTs: 0, lastSendMs: 0, packets: 0, octets: 0 };

  constructor(owner: SeatOwner) {
    this.#owner = owner;
  }

  /** Whether the lane sends the stream now. */
  get seated(): boolean {
    return this.#lane !== undefined;
  }

  /**
   * Joins the lane after a packet of sequence number `seq` and timestamp `ts` went out through
   * the fast sender (the rewriter holds what they became). Not without a native route, nor when
   * the stream may not be in the lane.
   */
  join(seq: number, ts: number, now: number): void {
    const o = this.#owner;
    const addon = o.fast.native;
    if (this.#lane || !addon || now - this.#refusedAt < LANE_RETRY_MS || !o.laneAllowed(now)) return;
    // a VP8 re-base pending: the next packet through JavaScript settles it
    const ids = o.vp8 ? o.vp8.offsets() : NO_IDS;
    if (!ids) return;
    const route = o.fast.expressRoute(now);
    if (!route) {
      this.#refusedAt = now;
      return;
    }
    this.#offsets = { seq: (o.rewriter.seq - seq) & 0xffff, ts: (o.rewriter.timestamp - ts) >>> 0, pid: ids.pid, tl0: ids.tl0 };
    const leg = (this.#leg ??= new ExpressLeg(addon));
    const state = o.fast.exportState();
    leg.set(route, this.#offsets, state);
    this.#packets = state.packets;
    this.#octets = state.octets;
    const lane = o.laneOf(addon);
    lane.add(this, leg);
    this.#lane = lane;
    this.#stayLane = lane;
    this.#stayFrom = (state.lastSeq + 1) & 0xffff;
    this.#stayTo = -1;
    o.seatChanged();
  }

  /** Leaves the lane (if in it), taking its state back. */
  leave(now: number): void {
    const lane = this.#lane;
    if (!lane) return;
    const leg = this.#leg!;
    const state = leg.state();
    leg.leave();
    lane.delete(this);
    this.#lane = undefined;
    this.#stayTo = state.lastSeq;
    this.#owner.seatChanged();
    this.#absorb(state, now);
    this.#owner.vp8?.resume(lane.lastPictureId, lane.lastTl0PicIdx);
    this.#owner.left();
  }

  /**
   * Answers no NACK for what the lane sent so far (as `FastRtpSender.forgetHistory`: after a step
   * down the receiver needs the new layer's keyframe, not the old layer's lost packets).
   */
  forget(): void {
    this.#stayLane = undefined;
  }

  /**
   * Puts the packets of `lost` (output sequence numbers) that the lane sent during this seat's
   * last stay, and still keeps, in the fast sender's history, as this stream's copies (its
   * sequence number, timestamp and VP8 ids), so its NACK is answered as any other; the sender's
   * state is synced first (a retransmission's rollover counter is read from it).
   */
  recall(lost: readonly number[], now: number): void {
    const history = this.#stayLane?.history;
    if (!history) return;
    this.sync(now);
    const fast = this.#owner.fast;
    for (const seq of lost) {
      if (!inStay(seq, this.#stayFrom, this.#stayTo) || !history.memberPacket(seq, this.#offsets, SCRATCH)) continue;
      fast.remember(seq, SCRATCH.ts, SCRATCH.marker, SCRATCH.payload, SCRATCH.patchA, SCRATCH.patchB);
    }
  }

  /** Brings the fast sender's counts up to what the lane sent (sender reports need them). */
  sync(now: number): void {
    if (this.#lane) this.#absorb(this.#leg!.state(), now);
  }

  /**
   * The lane's periodic check: leaves it when the stream may no longer be there or has no native
   * route, moves the leg to a new route (a new nominated pair or SRTP session), syncs the counts,
   * and hands the transport-wide numbers the lane gave to the connection's send history.
   */
  checkExpress(now: number): void {
    const leg = this.#leg;
    if (!this.#lane || !leg) return;
    const o = this.#owner;
    const allowed = o.laneAllowed(now);
    const state = leg.state(this.#state);
    if (!allowed || !o.fast.stillExpress(now, leg.route!)) {
      // a new nominated pair or SRTP session: the leg moves; no route at all: it leaves
      const route = allowed ? o.fast.expressRoute(now) : undefined;
      if (!route) {
        this.leave(now);
        return;
      }
      leg.set(route, this.#offsets, state);
    }
    this.#absorb(state, now);
    o.fast.drainNumbering();
  }

  /** Takes in what the lane sent: the sender's and the rewriter's state, and the counts. */
  #absorb(state: SenderState, now: number): void {
    const o = this.#owner;
    o.fast.importState(state);
    o.rewriter.resume(state.lastSeq, state.lastTs, state.lastSendMs);
    const packets = state.packets - this.#packets;
    const octets = state.octets - this.#octets;
    this.#packets = state.packets;
    this.#octets = state.octets;
    o.counted(packets, octets, now);
  }
}
