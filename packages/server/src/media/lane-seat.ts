/**
 * A consumer's seat in its producer's express lane (`express-lane.ts`): it joins with the fast
 * sender's state and the offsets its last packet was rewritten with, is checked every few hundred
 * ms, and leaves with the state taken back, so that the next packet through JavaScript goes on
 * where the module stopped.
 * @module
 */
import { ExpressLeg, sameRoute, type ExpressLane, type LaneMember, type SenderState } from './express-lane.ts';
import type { FastRtpSender } from './fast-sender.ts';
import type { NativeAddon } from './native/addon.ts';
import type { SeqTsRewriter } from './rewriter.ts';

/** A stream the express lane could not take (no native route: ICE-TCP, IPv6) is offered again after this (ms). */
export const LANE_RETRY_MS = 1000;

/** What a seat needs of its consumer. */
export interface SeatOwner {
  readonly fast: FastRtpSender;
  readonly rewriter: SeqTsRewriter;
  /** Whether the stream may be in the lane now: not paused, not closed, still its slot's user. */
  laneAllowed(): boolean;
  /** The lane of its producer's stream. */
  laneOf(addon: NativeAddon): ExpressLane;
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
  #seqOffset = 0;
  #tsOffset = 0;
  #refusedAt = -Infinity;
  /** What of the lane's counts the owner has been told. */
  #packets = 0;
  #octets = 0;

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
    if (this.#lane || !addon || now - this.#refusedAt < LANE_RETRY_MS || !o.laneAllowed()) return;
    const route = o.fast.expressRoute(now);
    if (!route) {
      this.#refusedAt = now;
      return;
    }
    this.#seqOffset = (o.rewriter.seq - seq) & 0xffff;
    this.#tsOffset = (o.rewriter.timestamp - ts) >>> 0;
    const leg = (this.#leg ??= new ExpressLeg(addon));
    const state = o.fast.exportState();
    leg.set(route, this.#seqOffset, this.#tsOffset, state);
    this.#packets = state.packets;
    this.#octets = state.octets;
    const lane = o.laneOf(addon);
    lane.add(this, leg);
    this.#lane = lane;
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
    this.#owner.seatChanged();
    this.#absorb(state, now);
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
    const route = o.laneAllowed() ? o.fast.expressRoute(now) : undefined;
    if (!route) {
      this.leave(now);
      return;
    }
    const state = leg.state();
    if (!sameRoute(route, leg.route!)) leg.set(route, this.#seqOffset, this.#tsOffset, state);
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
