// What a benchmark drives: an SFU process (rtcroom or Janus) and its headless clients.
import type { RtpPacket } from 'werift';
import type { DelaySamples } from './arrival-stamps.ts';

/** A publisher client: sends Opus-sized audio and VP8-sized video at a set rate. */
export interface PublisherClient {
  /** Starts sending: Opus every 20 ms; VP8 `fps` frames of `packetsPerFrame` packets (larger on keyframes). */
  start(fps?: number, packetsPerFrame?: number): void;
  /** Packets sent so far. */
  sent: { audio: number; video: number };
  /** Pauses (true) or resumes (false) sending; the stream continues without a gap in sequence numbers. */
  pause(paused: boolean): void;
  /** Keyframes sent on request (PLI) so far. */
  keyframes: number;
  close(): Promise<void>;
}

/** A subscriber client: counts what arrives. */
export interface SubscriberClient {
  packets: { audio: number; video: number };
  /** Sequence-number accounting across every stream received (for loss). */
  sequence: SequenceTotals;
  /**
   * Forwarding delays measured (ms): from the send time the publisher wrote into each payload to
   * the kernel's receive time of the datagram where the client reads it, else to when the client
   * handled it (both kept: bench/lib/arrival-stamps.ts).
   */
  readonly delays: DelaySamples;
  /** The client side of its media connection, e.g. `failed (ICE connected, DTLS failed)` (for failure reasons). */
  connection(): string;
  close(): Promise<void>;
}

/** An SFU under test. */
export interface Target {
  /** Label in tables (`rtcroom`, `janus`, `janus-1loop`). */
  readonly name: string;
  /** Where the server process runs. */
  readonly pid: number;
  /** How the server is pinned. */
  readonly pinned: string;
  /** User+system CPU seconds the server used so far. */
  cpuSeconds(): number;
  /** Resident set size in bytes. */
  rssBytes(): number;
  /** A publisher in `room` (audio + video). */
  publisher(room: string, user: string): Promise<PublisherClient>;
  /** A subscriber in `room` receiving every publisher of it. */
  subscriber(room: string, user: string, publishers: readonly string[]): Promise<SubscriberClient>;
  stop(): Promise<void>;
}

/** Writes the send time (performance.now(), ms, float64) into the first 8 payload bytes. */
export function stampPayload(payload: Buffer, now = performance.now()): void {
  payload.writeDoubleBE(now, 0);
}

/** Reads the send time written by {@link stampPayload}. */
export function readStamp(p: RtpPacket): number {
  return p.payload.length >= 8 ? p.payload.readDoubleBE(0) : NaN;
}

/** Sequence-number totals of a subscriber: distinct packets received and packets the sequence numbers say were sent. */
export interface SequenceTotals {
  totals(): { received: number; expected: number };
  /** Distinct packets received so far per SSRC, where the client keeps them (to count the streams received in a window). */
  receivedBySsrc?(): ReadonlyMap<number, number>;
}

/**
 * Loss by sequence numbers (RFC 3550 style): per SSRC, how many distinct packets arrived and how
 * many the sequence-number span says were sent. Immune to how the sender's timers fall across a
 * measurement window.
 */
export class SequenceStats {
  readonly #streams = new Map<number, { base: number; max: number; cycles: number; received: number }>();

  /** Notes one packet (already de-duplicated by the caller). */
  add(ssrc: number, seq: number): void {
    const s = this.#streams.get(ssrc);
    if (!s) {
      this.#streams.set(ssrc, { base: seq, max: seq, cycles: 0, received: 1 });
      return;
    }
    s.received++;
    const d = (seq - s.max) & 0xffff;
    if (d > 0 && d < 0x8000) {
      if (seq < s.max) s.cycles += 0x10000;
      s.max = seq;
    }
  }

  /** Distinct packets received and packets expected so far, over all streams. */
  totals(): { received: number; expected: number } {
    let received = 0;
    let expected = 0;
    for (const s of this.#streams.values()) {
      received += s.received;
      expected += s.cycles + s.max - s.base + 1;
    }
    return { received, expected };
  }
}
