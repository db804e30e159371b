/**
 * Speaker detection from RFC 6464 audio levels (no decoding). Levels are -dBov, 0 loudest and
 * 127 silence, one per packet (20 ms with Opus).
 *
 * A packet is "loud" when its level is at or below the effective threshold: the configured
 * threshold, lowered to `noiseMarginDb` under the noise floor once the floor is known (the
 * `floorPercentile` quietest-but-one level of the last `floorWindowMs`), so steady background
 * noise does not count as speech. Speech starts as soon as `onsetPackets` loud packets fall
 * within `onsetWindowMs` (fast onset); it ends when no loud packet came for `hangMs` (no
 * flapping between syllables). A source that stops sending (mute, DTX) ends through the same
 * hang time, checked by {@link SpeakerDetector.tick}.
 * @module
 */

/** Tuning of the detector. */
export interface SpeakerOptions {
  /** Levels at or below this (-dBov) may be speech. */
  thresholdDbov: number;
  /** Loud packets needed inside `onsetWindowMs` to start speaking. */
  onsetPackets: number;
  /** Window for the onset count. */
  onsetWindowMs: number;
  /** Silence that ends speaking. */
  hangMs: number;
  /** Speech must be this many dB above the noise floor. */
  noiseMarginDb: number;
  /** Span over which the noise floor is estimated. */
  floorWindowMs: number;
  /** The floor is this quantile of levels (towards quiet) over the span. */
  floorPercentile: number;
}

/**
 * Defaults, chosen with `npm run bench -- speakers` (see BENCHMARKS.md): 3 loud packets in
 * 100 ms start speech about 60 ms after its first packet; 500 ms of hang time bridges the gaps
 * inside and between words of normal speech.
 */
export const DEFAULT_SPEAKER_OPTIONS: SpeakerOptions = {
  thresholdDbov: 50,
  onsetPackets: 3,
  onsetWindowMs: 100,
  hangMs: 500,
  noiseMarginDb: 8,
  floorWindowMs: 5000,
  floorPercentile: 0.9,
};

const FLOOR_MIN_SAMPLES = 100;
const FLOOR_RING = 512;

/** One source's speaking state. */
export class SpeakerDetector {
  readonly #o: SpeakerOptions;
  /** Whether the source speaks now. */
  speaking = false;
  /** The recent level (-dBov, 0 loud … 127 silent): follows a louder packet at once, decays towards quieter ones over about 10 packets (a meter's fast attack, slow release). */
  level = 127;
  #lastLoud = -Infinity;
  readonly #loudTimes: number[] = [];
  // noise floor: a ring of (time, level) and a histogram of the levels in it
  readonly #ringLevel = new Uint8Array(FLOOR_RING);
  readonly #ringTime = new Float64Array(FLOOR_RING);
  #ringStart = 0;
  #ringLen = 0;
  readonly #hist = new Uint32Array(128);

  constructor(options: Partial<SpeakerOptions> = {}) {
    this.#o = { ...DEFAULT_SPEAKER_OPTIONS, ...options };
  }

  /** The noise floor (-dBov) once enough samples were seen, else undefined. */
  floor(): number | undefined {
    if (this.#ringLen < FLOOR_MIN_SAMPLES) return undefined;
    const target = Math.ceil(this.#ringLen * (1 - this.#o.floorPercentile));
    let seen = 0;
    for (let level = 127; level >= 0; level--) {
      seen += this.#hist[level]!;
      if (seen >= target) return level;
    }
    return 0;
  }

  /** The level at or below which a packet counts as loud now. */
  threshold(): number {
    const f = this.floor();
    return f === undefined ? this.#o.thresholdDbov : Math.min(this.#o.thresholdDbov, f - this.#o.noiseMarginDb);
  }

  #remember(level: number, t: number): void {
    while (this.#ringLen > 0 && (this.#ringLen === FLOOR_RING || t - this.#ringTime[this.#ringStart]! > this.#o.floorWindowMs)) {
      this.#hist[this.#ringLevel[this.#ringStart]!]!--;
      this.#ringStart = (this.#ringStart + 1) % FLOOR_RING;
      this.#ringLen--;
    }
    const i = (this.#ringStart + this.#ringLen) % FLOOR_RING;
    this.#ringLevel[i] = level;
    this.#ringTime[i] = t;
    this.#ringLen++;
    this.#hist[level]!++;
  }

  /** Feeds one packet's level; returns true when `speaking` changed. */
  push(level: number, t: number): boolean {
    const l = Math.max(0, Math.min(127, Math.round(level)));
    this.level = l < this.level ? l : this.level + (l - this.level) * 0.1;
    const loud = l <= this.threshold();
    this.#remember(l, t);
    if (loud) {
      this.#lastLoud = t;
      this.#loudTimes.push(t);
      while (this.#loudTimes.length > 0 && t - this.#loudTimes[0]! > this.#o.onsetWindowMs) this.#loudTimes.shift();
      if (!this.speaking && this.#loudTimes.length >= this.#o.onsetPackets) {
        this.speaking = true;
        return true;
      }
    }
    return this.tick(t);
  }

  /** Ends speech after the hang time; returns true when `speaking` changed. */
  tick(t: number): boolean {
    if (this.speaking && t - this.#lastLoud > this.#o.hangMs) {
      this.speaking = false;
      this.#loudTimes.length = 0;
      return true;
    }
    return false;
  }

  /** Forgets speech at once (mute, unpublish); keeps the noise floor. */
  reset(): boolean {
    const was = this.speaking;
    this.speaking = false;
    this.#loudTimes.length = 0;
    this.#lastLoud = -Infinity;
    this.level = 127;
    return was;
  }
}
