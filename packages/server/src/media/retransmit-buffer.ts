/**
 * What a subscriber leg keeps of the packets it sent, to answer NACKs and to probe with: the last
 * {@link RETRANSMIT_SLOTS} packets by sequence number, as columns of typed arrays (no object per
 * slot, nothing allocated per packet) made on the first packet kept. A leg that never keeps a
 * packet (audio: its NACKs are not negotiated) costs nothing.
 * @module
 */
import { NO_PATCH } from './payload-patch.ts';

/** Packets remembered (a power of two: ~3 s of a 2.5 Mbps video). */
export const RETRANSMIT_SLOTS = 1024;
const MASK = RETRANSMIT_SLOTS - 1;

/** The last packets sent on one stream, by 16-bit sequence number. */
export class RetransmitBuffer {
  /** The sequence number in each slot (-1: empty). */
  #seq: Int32Array | undefined;
  #ts: Uint32Array | undefined;
  #marker: Uint8Array | undefined;
  /** This subscriber's overwrites of the shared payload (see `payload-patch.ts`). */
  #patchA: Int32Array | undefined;
  #patchB: Int32Array | undefined;
  /** When each packet was last sent again (performance.now(); -Infinity: never). */
  #resentAt: Float64Array | undefined;
  #payload: (Buffer | undefined)[] | undefined;

  /** Keeps packet `seq` (the payload is referenced, not copied: it must not change afterwards). */
  put(seq: number, ts: number, marker: boolean, payload: Buffer, patchA: number, patchB: number): void {
    if (!this.#seq) this.#allocate();
    const i = seq & MASK;
    this.#seq![i] = seq;
    this.#ts![i] = ts;
    this.#marker![i] = marker ? 1 : 0;
    this.#patchA![i] = patchA;
    this.#patchB![i] = patchB;
    this.#resentAt![i] = -Infinity;
    this.#payload![i] = payload;
  }

  /** The slot holding packet `seq`, or -1 when it is not (or no longer) kept. */
  slot(seq: number): number {
    const i = seq & MASK;
    return this.#seq !== undefined && this.#seq[i] === seq && this.#payload![i] !== undefined ? i : -1;
  }

  /** The fields of a slot {@link slot} returned. */
  ts(i: number): number {
    return this.#ts![i]!;
  }
  marker(i: number): boolean {
    return this.#marker![i] === 1;
  }
  payload(i: number): Buffer {
    return this.#payload![i]!;
  }
  patchA(i: number): number {
    return this.#patchA![i]!;
  }
  patchB(i: number): number {
    return this.#patchB![i]!;
  }
  resentAt(i: number): number {
    return this.#resentAt![i]!;
  }
  markResent(i: number, now: number): void {
    this.#resentAt![i] = now;
  }

  /** Forgets every packet (payloads are let go). */
  clear(): void {
    this.#seq?.fill(-1);
    this.#payload?.fill(undefined);
  }

  #allocate(): void {
    this.#seq = new Int32Array(RETRANSMIT_SLOTS).fill(-1);
    this.#ts = new Uint32Array(RETRANSMIT_SLOTS);
    this.#marker = new Uint8Array(RETRANSMIT_SLOTS);
    this.#patchA = new Int32Array(RETRANSMIT_SLOTS).fill(NO_PATCH);
    this.#patchB = new Int32Array(RETRANSMIT_SLOTS).fill(NO_PATCH);
    this.#resentAt = new Float64Array(RETRANSMIT_SLOTS).fill(-Infinity);
    this.#payload = new Array<Buffer | undefined>(RETRANSMIT_SLOTS).fill(undefined);
  }
}
