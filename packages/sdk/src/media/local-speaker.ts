/**
 * The local user's own speaking state, measured in the page (no server round trip): the
 * published microphone's level from the sender's `media-source` stats, through the same
 * detector the server runs on RFC 6464 levels.
 * @module
 */
import { SpeakerDetector } from '@rtcroom/protocol/speakers';

/** Converts a linear audio level (0..1, 1 = full scale) to RFC 6464 -dBov (0..127). */
export function toDbov(audioLevel: number): number {
  if (!(audioLevel > 0)) return 127;
  return Math.min(127, Math.max(0, Math.round(-20 * Math.log10(audioLevel))));
}

/** Polls a level source every 20 ms-frame-equivalent interval and tracks speaking. */
export class LocalSpeaker {
  readonly #detector = new SpeakerDetector();
  readonly #onChange: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Whether the local user speaks now. */
  get speaking(): boolean {
    return this.#detector.speaking;
  }

  /** The local user's recent level (RFC 6464 -dBov, 0 loud … 127 silent). */
  get level(): number {
    return this.#detector.level;
  }

  /** Starts polling `level` (linear 0..1, or undefined when unknown). */
  start(level: () => Promise<number | undefined>, everyMs = 40): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      void level()
        .then((l) => {
          const now = performance.now();
          const changed = l === undefined ? this.#detector.tick(now) : this.#detector.push(toDbov(l), now);
          if (changed) this.#onChange();
        })
        .catch(() => undefined)
        .finally(() => {
          this.#busy = false;
        });
    }, everyMs);
  }

  /** Stops polling; a speaking user stops at once. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#detector.reset()) this.#onChange();
  }
}
