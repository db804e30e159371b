/**
 * What a video stream's express lane sent, by the publisher's sequence number: the lane's members
 * keep no history of their own for it (the module sends for them), so a member's NACK is answered
 * from here, through the member's offsets (`lane-seat.ts`). Columns of typed arrays made on the
 * first packet, as `retransmit-buffer.ts` keeps a leg's; payloads are referenced, never copied.
 * @module
 */
import type { Vp8Descriptor } from './codecs/vp8-descriptor.ts';
import { RETRANSMIT_SLOTS } from './retransmit-buffer.ts';
import { NO_PATCH, packPatch } from './payload-patch.ts';

const MASK = RETRANSMIT_SLOTS - 1;

/** A member's rewriting: output = input + offset (picture ids in 15-bit space). */
export interface LaneOffsets {
  readonly seq: number;
  readonly ts: number;
  readonly pid: number;
  readonly tl0: number;
}

/** One packet as a member sent it (its own sequence number, timestamp and VP8 id patches). */
export interface MemberPacket {
  ts: number;
  marker: boolean;
  payload: Buffer;
  patchA: number;
  patchB: number;
}

/** The last {@link RETRANSMIT_SLOTS} packets a lane sent. */
export class LaneHistory {
  #seq: Int32Array | undefined;
  #ts: Uint32Array | undefined;
  #marker: Uint8Array | undefined;
  /** VP8 ids: positions (-1: absent), the picture id's width, values. */
  #pidPos: Int8Array | undefined;
  #pidBits: Uint8Array | undefined;
  #pid: Int32Array | undefined;
  #tl0Pos: Int8Array | undefined;
  #tl0: Int32Array | undefined;
  #payload: (Buffer | undefined)[] | undefined;

  /** Keeps packet `seq` (`d`: its VP8 descriptor, when it has one). */
  put(seq: number, ts: number, marker: boolean, payload: Buffer, d: Vp8Descriptor | undefined): void {
    if (!this.#seq) this.#allocate();
    const i = seq & MASK;
    this.#seq![i] = seq;
    this.#ts![i] = ts;
    this.#marker![i] = marker ? 1 : 0;
    this.#payload![i] = payload;
    this.#pidPos![i] = d && d.pictureIdBits > 0 ? d.pictureIdPos : -1;
    this.#pidBits![i] = d ? d.pictureIdBits : 0;
    this.#pid![i] = d ? d.pictureId : 0;
    this.#tl0Pos![i] = d && d.tl0PicIdx >= 0 ? d.tl0PicIdxPos : -1;
    this.#tl0![i] = d ? d.tl0PicIdx : 0;
  }

  /**
   * Packet `outSeq` of a member with offsets `o`, as the module sent it to that member, written
   * into `out`; false when the lane no longer keeps it.
   */
  memberPacket(outSeq: number, o: LaneOffsets, out: MemberPacket): boolean {
    const seq = (outSeq - o.seq) & 0xffff;
    const i = seq & MASK;
    const payload = this.#payload?.[i];
    if (!payload || this.#seq![i] !== seq) return false;
    out.ts = (this.#ts![i]! + o.ts) >>> 0;
    out.marker = this.#marker![i] === 1;
    out.payload = payload;
    const pidPos = this.#pidPos![i]!;
    const pid = this.#pid![i]! + o.pid;
    out.patchA = pidPos < 0 ? NO_PATCH : this.#pidBits![i] === 15 ? packPatch(pidPos, 2, 0x8000 | (pid & 0x7fff)) : packPatch(pidPos, 1, pid & 0x7f);
    const tl0Pos = this.#tl0Pos![i]!;
    out.patchB = tl0Pos < 0 ? NO_PATCH : packPatch(tl0Pos, 1, (this.#tl0![i]! + o.tl0) & 0xff);
    return true;
  }

  #allocate(): void {
    this.#seq = new Int32Array(RETRANSMIT_SLOTS).fill(-1);
    this.#ts = new Uint32Array(RETRANSMIT_SLOTS);
    this.#marker = new Uint8Array(RETRANSMIT_SLOTS);
    this.#pidPos = new Int8Array(RETRANSMIT_SLOTS);
    this.#pidBits = new Uint8Array(RETRANSMIT_SLOTS);
    this.#pid = new Int32Array(RETRANSMIT_SLOTS);
    this.#tl0Pos = new Int8Array(RETRANSMIT_SLOTS);
    this.#tl0 = new Int32Array(RETRANSMIT_SLOTS);
    this.#payload = new Array<Buffer | undefined>(RETRANSMIT_SLOTS).fill(undefined);
  }
}
