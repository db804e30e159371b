/**
 * The keyframe hold of a video producer: while a subscriber's connection is coming up, the
 * producer keeps its latest keyframe and the packets after it, so the subscriber starts on them
 * the moment its connection is up instead of asking then and waiting a frame interval or more
 * for the publisher's answer (~50 ms at 15 fps here). The keyframe is asked for when the
 * subscriber is offered the track; ICE and DTLS then run while it comes.
 *
 * Bounds: a hold is armed for {@link HOLD_ARM_MS} by each subscriber about to start; it keeps at
 * most {@link HOLD_MAX_PACKETS} packets, and a keyframe older than {@link HOLD_MAX_AGE_MS} is not
 * replayed (a longer burst of old frames would make the receiver's jitter buffer play late).
 * @module
 */
import type { RtpPacket } from 'werift';

/** How long one subscriber about to start keeps the hold armed (ms): its ICE and DTLS. */
export const HOLD_ARM_MS = 3000;
/** A held keyframe older than this is not replayed (ms). */
export const HOLD_MAX_AGE_MS = 400;
/** At most this many packets are held; beyond, the hold waits for the next keyframe. */
export const HOLD_MAX_PACKETS = 400;

interface Held {
  packet: RtpPacket;
  layer: number;
  at: number;
  /** Its place in the producer's arrival order (never reused). */
  n: number;
}

/** The packets of a producer since each layer's last keyframe, kept while armed. */
export class KeyframeHold {
  #armedUntil = -Infinity;
  #held: Held[] = [];
  /** Per layer, the arrival number and time of its last keyframe's first packet. */
  readonly #starts = new Map<number, { n: number; at: number }>();
  #n = 0;

  /** Keeps packets from now until `now + forMs` (a subscriber about to start). */
  arm(now: number, forMs = HOLD_ARM_MS): void {
    this.#armedUntil = Math.max(this.#armedUntil, now + forMs);
  }

  /** Whether packets are being kept. */
  armed(now: number): boolean {
    return now <= this.#armedUntil;
  }

  /** Packets held (diagnostics, tests). */
  get size(): number {
    return this.#held.length;
  }

  /**
   * Offers a packet the producer received (`keyStart`: the first packet of a keyframe of
   * `layer`). Kept (a copy) while armed and once its layer had a keyframe.
   */
  add(packet: RtpPacket, layer: number, keyStart: boolean, now: number): void {
    if (!this.armed(now)) {
      if (this.#held.length > 0 || this.#starts.size > 0) this.#clear();
      return;
    }
    if (keyStart) this.#starts.set(layer, { n: this.#n, at: now });
    else if (!this.#starts.has(layer)) return;
    if (this.#held.length >= HOLD_MAX_PACKETS) {
      // a layer without a keyframe for this long: start again at the next one
      this.#clear();
      if (!keyStart) return;
      this.#starts.set(layer, { n: this.#n, at: now });
    }
    const copy = packet.clone();
    copy.payload = Buffer.from(packet.payload);
    this.#held.push({ packet: copy, layer, at: now, n: this.#n++ });
    this.#prune(now);
  }

  /**
   * Calls `fn` with every held packet of each layer whose keyframe is at most
   * {@link HOLD_MAX_AGE_MS} old, from that keyframe on, in arrival order. Returns how many.
   */
  replay(now: number, fn: (packet: RtpPacket, layer: number) => void): number {
    let count = 0;
    for (const h of this.#held) {
      const start = this.#starts.get(h.layer);
      if (!start || h.n < start.n || now - start.at > HOLD_MAX_AGE_MS) continue;
      fn(h.packet, h.layer);
      count++;
    }
    return count;
  }

  /** Drops what no replay can use: packets older than any layer's kept keyframe, layers whose keyframe is too old. */
  #prune(now: number): void {
    for (const [layer, start] of this.#starts) if (now - start.at > HOLD_MAX_AGE_MS) this.#starts.delete(layer);
    let first = Infinity;
    for (const s of this.#starts.values()) first = Math.min(first, s.n);
    let drop = 0;
    while (drop < this.#held.length && this.#held[drop]!.n < first) drop++;
    if (drop > 0) this.#held.splice(0, drop);
  }

  #clear(): void {
    this.#held = [];
    this.#starts.clear();
  }
}
