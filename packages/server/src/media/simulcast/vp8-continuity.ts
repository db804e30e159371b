/**
 * VP8 PictureID / TL0PICIDX continuity for one outgoing stream. When the forwarded source
 * changes (another simulcast layer, another producer in the slot), the subscriber must keep
 * seeing picture ids that advance by one per frame and a TL0PICIDX that advances by one per
 * base-layer frame: a decoder that sees them jump or go back may treat frames as lost or stale.
 * Companion of `SeqTsRewriter`, which does the same for RTP sequence numbers and timestamps.
 * @module
 */
import type { Vp8Descriptor } from '../codecs/vp8-descriptor.ts';

const PID_MOD = 0x8000;

/** Signed distance a→b modulo `mod` (a power of two). */
function modDiff(a: number, b: number, mod: number): number {
  const d = (b - a) & (mod - 1);
  return d >= mod >> 1 ? d - mod : d;
}

/**
 * Maps the PictureID and TL0PICIDX of the forwarded source into one continuous output space.
 * Output picture ids live in 15-bit space; written into a 7-bit field they wrap at 128
 * (`writeVp8Ids` keeps each packet's field width), which is still +1 per frame.
 */
export class Vp8Continuity {
  #source: number | undefined;
  #pidRebase = true;
  #pidStarted = false;
  #pidMod = PID_MOD;
  #lastInPid = 0;
  #lastOutPid = 0;
  #tl0Rebase = true;
  #tl0Started = false;
  #lastInTl0 = 0;
  #lastOutTl0 = 0;
  /** PictureID to write for the last packet (15-bit space), or -1 when it carries none. */
  pictureId = -1;
  /** TL0PICIDX to write for the last packet, or -1 when it carries none. */
  tl0PicIdx = -1;

  /** The next packet comes from a new source even if its source id is the same. */
  switchSource(): void {
    this.#pidRebase = this.#tl0Rebase = true;
  }

  /**
   * The mapping as offsets (output = input + offset; the picture id's in 15-bit space), for the
   * native fan-out (`express-lane.ts`) to go on with; undefined while a re-base is pending (the
   * next id would be mapped to the last output + 1, which an offset cannot say).
   */
  offsets(): { pid: number; tl0: number } | undefined {
    if ((this.#pidStarted && this.#pidRebase) || (this.#tl0Started && this.#tl0Rebase)) return undefined;
    return {
      pid: this.#pidStarted ? (this.#lastOutPid - this.#lastInPid + PID_MOD) % PID_MOD : 0,
      tl0: this.#tl0Started ? (this.#lastOutTl0 - this.#lastInTl0) & 0xff : 0,
    };
  }

  /**
   * Goes on from ids the native fan-out mapped with {@link offsets} (its last packet's input ids,
   * -1 where it had none), so the next mapping here measures its step from them.
   */
  resume(pictureId: number, tl0PicIdx: number): void {
    if (pictureId >= 0 && this.#pidStarted && !this.#pidRebase) {
      const offset = this.#lastOutPid - this.#lastInPid;
      this.#lastInPid = pictureId;
      this.#lastOutPid = (pictureId + offset + 2 * PID_MOD) % PID_MOD;
    }
    if (tl0PicIdx >= 0 && this.#tl0Started && !this.#tl0Rebase) {
      const offset = this.#lastOutTl0 - this.#lastInTl0;
      this.#lastInTl0 = tl0PicIdx;
      this.#lastOutTl0 = (tl0PicIdx + offset) & 0xff;
    }
  }

  /**
   * Maps the ids of one packet. The results are in {@link Vp8Continuity.pictureId} and
   * {@link Vp8Continuity.tl0PicIdx} (nothing allocated).
   * @param source identifies the upstream stream (its SSRC); a change re-bases like
   * {@link Vp8Continuity.switchSource}
   * @param d the packet's parsed descriptor
   */
  rewrite(source: number, d: Vp8Descriptor): void {
    if (source !== this.#source) {
      this.#source = source;
      this.#pidRebase = this.#tl0Rebase = true;
    }
    this.pictureId = d.pictureIdBits === 0 ? -1 : this.#mapPid(d.pictureId, d.pictureIdBits === 7 ? 0x80 : PID_MOD);
    this.tl0PicIdx = d.tl0PicIdx < 0 ? -1 : this.#mapTl0(d.tl0PicIdx);
  }

  #mapPid(pid: number, mod: number): number {
    if (this.#pidRebase || mod !== this.#pidMod) {
      const out = this.#pidStarted ? (this.#lastOutPid + 1) % PID_MOD : pid;
      this.#pidRebase = false;
      this.#pidStarted = true;
      this.#pidMod = mod;
      this.#lastInPid = pid;
      this.#lastOutPid = out;
      return out;
    }
    const delta = modDiff(this.#lastInPid, pid, mod);
    const out = (this.#lastOutPid + delta + PID_MOD) % PID_MOD;
    if (delta > 0) {
      this.#lastInPid = pid;
      this.#lastOutPid = out;
    }
    return out;
  }

  #mapTl0(tl0: number): number {
    if (this.#tl0Rebase) {
      const out = this.#tl0Started ? (this.#lastOutTl0 + 1) & 0xff : tl0;
      this.#tl0Rebase = false;
      this.#tl0Started = true;
      this.#lastInTl0 = tl0;
      this.#lastOutTl0 = out;
      return out;
    }
    const delta = modDiff(this.#lastInTl0, tl0, 0x100);
    const out = (this.#lastOutTl0 + delta) & 0xff;
    if (delta > 0) {
      this.#lastInTl0 = tl0;
      this.#lastOutTl0 = out;
    }
    return out;
  }
}
