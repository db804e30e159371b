/**
 * VP8 frames from RTP payloads (RFC 7741): the payload descriptor is stripped and the
 * partitions of one picture joined, from the packet that starts it (S=1, PID=0) to the one with
 * the marker bit. A frame with a missing packet is dropped, and so is every frame after it until
 * the next key frame (they refer to what was lost); the owner is asked for one.
 * @module
 */
import { parseVp8Descriptor, Vp8Descriptor } from '../codecs/vp8-descriptor.ts';

/** A whole VP8 frame. */
export interface Vp8Frame {
  data: Buffer;
  /** RTP timestamp (90 kHz). */
  timestamp: number;
  keyframe: boolean;
  /** Picture size, from a key frame's header (0 otherwise). */
  width: number;
  height: number;
}

/** Joins the packets of one VP8 stream (in sequence order) into frames. */
export class Vp8Assembler {
  readonly #d = new Vp8Descriptor();
  #parts: Buffer[] = [];
  #timestamp = 0;
  #keyframe = false;
  #width = 0;
  #height = 0;
  /** Inside a frame whose packets so far are all there. */
  #open = false;
  /** Waiting for a key frame (at the start, and after a loss). */
  #needKeyframe = true;
  /** Frames dropped as incomplete or undecodable. */
  dropped = 0;
  /** Called when a key frame is needed (a loss broke the chain). */
  readonly #onNeedKeyframe: () => void;

  constructor(onNeedKeyframe: () => void) {
    this.#onNeedKeyframe = onNeedKeyframe;
  }

  /** Whether it still waits for its first key frame, or one after a loss. */
  get waitingForKeyframe(): boolean {
    return this.#needKeyframe;
  }

  #broken(): void {
    if (this.#open) this.dropped++;
    this.#open = false;
    this.#parts = [];
    if (!this.#needKeyframe) this.#onNeedKeyframe();
    this.#needKeyframe = true;
  }

  /**
   * Takes the next packet of the stream.
   * @param lostBefore packets missing just before this one
   * @returns a frame when this packet completes one
   */
  push(payload: Buffer, timestamp: number, marker: boolean, lostBefore: number): Vp8Frame | undefined {
    if (lostBefore > 0) this.#broken();
    const d = this.#d;
    if (!parseVp8Descriptor(payload, 0, payload.length, d)) return undefined;
    if (d.startsFrame) {
      if (this.#open) this.#broken();
      if (this.#needKeyframe && !d.keyframe) return undefined;
      this.#open = true;
      this.#parts = [];
      this.#timestamp = timestamp;
      this.#keyframe = d.keyframe;
      this.#width = d.width;
      this.#height = d.height;
    } else if (!this.#open) {
      return undefined;
    } else if (timestamp !== this.#timestamp) {
      // the end of the last frame and the start of this one were lost
      this.#broken();
      return undefined;
    }
    this.#parts.push(payload.subarray(d.headerPos));
    if (!marker) return undefined;
    this.#open = false;
    if (this.#keyframe) this.#needKeyframe = false;
    const frame = { data: Buffer.concat(this.#parts), timestamp: this.#timestamp, keyframe: this.#keyframe, width: this.#width, height: this.#height };
    this.#parts = [];
    return frame;
  }
}

/** Opus frame duration of a packet's TOC byte (RFC 6716 §3.1), in ms; 20 when unreadable. */
export function opusPacketMs(packet: Uint8Array): number {
  if (packet.length === 0) return 20;
  const toc = packet[0]!;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config & 3]! : config < 16 ? [10, 20][config & 1]! : [2.5, 5, 10, 20][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : packet.length > 1 ? packet[1]! & 0x3f : 1;
  return frameMs * frames;
}
