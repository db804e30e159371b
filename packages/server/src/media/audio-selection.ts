/**
 * Audio selection for big rooms: which microphones a listener hears. Above a room size only the
 * N loudest current speakers are forwarded (Volcengine's "audio selection"); everyone else's
 * audio is paused at the server, while member and speaker lists stay complete.
 *
 * {@link AudioSelector} is pure and stateful: it is fed, on every tick, the audio sources with
 * the speaker detector's state (speaking, level as RFC 6464 -dBov: 0 loudest, 127 silence) and
 * the time, and keeps a set of at most `maxSpeakers` selected ids. The rules:
 *
 * - A free slot goes to a speaking source (loudest first). Nobody is selected before speaking.
 * - A speaking source that is not selected (a speech onset, or a speaker still waiting) takes the
 *   slot of a selected source that is silent — the one silent longest — at once.
 * - Otherwise it may take the slot of a selected source that is speaking only when it is louder
 *   by at least `marginDb` and that source has held its slot for `holdMs`; the quietest such
 *   source goes. A louder speaker is never evicted for a quieter one.
 * - A selected source that stops speaking keeps its slot until someone else needs it, so pauses
 *   in speech do not cut anyone off. A source that is gone (unpublished, left) frees its slot.
 *
 * Levels are compared averaged over `smoothMs`. The average, the margin and the hold keep the
 * selection from flapping when levels fluctuate around each other: a slot changes hands between
 * speaking sources at most once per `holdMs`, and only for a lasting difference.
 * @module
 */

/** Tuning of an {@link AudioSelector}. */
export interface AudioSelectionOptions {
  /** At most this many sources are selected at once. */
  maxSpeakers: number;
  /** A selected speaking source keeps its slot at least this long (ms) against other speakers. */
  holdMs: number;
  /** A speaker displaces a selected speaking source only when louder by at least this (dB). */
  marginDb: number;
  /**
   * Levels are compared averaged over about this long (ms): an exponential average, restarted at
   * each speech onset (a plain mean of the samples since the onset until it spans this long) so a
   * new speaker counts at its own level at once.
   */
  smoothMs: number;
}

/**
 * Defaults: the 3 loudest speakers, 1 s hold, 6 dB margin, levels averaged over 2 s. Four equal
 * speakers under the heavy level noise of audio-selection.test.ts ("no flapping") swapped a slot
 * about every 30 s with a 1 s average, about every 7 minutes with 2 s (100 simulated minutes each).
 */
export const DEFAULT_AUDIO_SELECTION: AudioSelectionOptions = { maxSpeakers: 3, holdMs: 1000, marginDb: 6, smoothMs: 2000 };

/** When audio selection applies, and how many it keeps (a server setting, per room). */
export interface AudioSelectionConfig {
  /** Selection applies while a room has more members than this (visible or not); 0 = never. */
  aboveMembers: number;
  /** Listeners then receive at most this many microphones: the loudest current speakers. */
  maxSpeakers: number;
}

/** One audio source's state at a tick, as its speaker detector sees it. */
export interface AudioSourceState {
  /** Stable id of the source (the publishing user's id). */
  readonly id: string;
  /** Whether it speaks now. */
  readonly speaking: boolean;
  /** Its recent level, -dBov: 0 loudest, 127 silence (lower is louder). */
  readonly level: number;
}

/** What the selector remembers of a source between ticks. */
interface Tracked {
  speaking: boolean;
  /** Averaged level (see {@link AudioSelectionOptions.smoothMs}). */
  level: number;
  /** When it last started speaking (-Infinity: never seen speaking). */
  onsetAt: number;
  /** When it last stopped speaking (-Infinity: never spoke, the longest silence there is). */
  silentSince: number;
  /** When it got its slot (meaningful while selected). */
  selectedAt: number;
  /** Level samples since its onset (the average is a plain mean until it spans `smoothMs`). */
  samples: number;
}

/** Keeps the set of at most N selected audio sources; see the module comment for the rules. */
export class AudioSelector {
  readonly #o: AudioSelectionOptions;
  readonly #tracked = new Map<string, Tracked>();
  readonly #selected = new Set<string>();
  #lastUpdate = -Infinity;

  constructor(options: Partial<AudioSelectionOptions> = {}) {
    this.#o = { ...DEFAULT_AUDIO_SELECTION, ...options };
    if (!Number.isInteger(this.#o.maxSpeakers) || this.#o.maxSpeakers < 1) throw new RangeError(`maxSpeakers must be a whole number ≥ 1, got ${this.#o.maxSpeakers}`);
  }

  /** The options in force. */
  get options(): Readonly<AudioSelectionOptions> {
    return this.#o;
  }

  /** The selected ids (at most `maxSpeakers`), in the order they got their slots. */
  get selected(): ReadonlySet<string> {
    return this.#selected;
  }

  /** Whether `id` is selected. */
  has(id: string): boolean {
    return this.#selected.has(id);
  }

  /**
   * Feeds the state of every current source at time `now` (ms, monotonic) and re-selects.
   * Sources missing from `sources` are forgotten (and lose their slots). Returns true when the
   * selected set changed.
   */
  update(sources: Iterable<AudioSourceState>, now: number): boolean {
    let changed = false;
    const present = new Set<string>();
    const dt = Math.max(0, now - this.#lastUpdate);
    this.#lastUpdate = now;
    const follow = this.#o.smoothMs > 0 ? 1 - Math.exp(-dt / this.#o.smoothMs) : 1;
    for (const s of sources) {
      present.add(s.id);
      let t = this.#tracked.get(s.id);
      if (!t) {
        t = { speaking: false, level: s.level, onsetAt: -Infinity, silentSince: -Infinity, selectedAt: -Infinity, samples: 0 };
        this.#tracked.set(s.id, t);
      }
      if (s.speaking && !t.speaking) {
        t.onsetAt = now;
        t.samples = 0;
      }
      t.samples++;
      t.level += (s.level - t.level) * Math.max(follow, 1 / t.samples);
      if (!s.speaking && t.speaking) t.silentSince = now;
      t.speaking = s.speaking;
    }
    for (const id of this.#tracked.keys()) {
      if (present.has(id)) continue;
      this.#tracked.delete(id);
      changed = this.#selected.delete(id) || changed;
    }
    for (const id of this.#candidates()) {
      const c = this.#tracked.get(id)!;
      if (this.#selected.size < this.#o.maxSpeakers) {
        this.#select(id, c, now);
        changed = true;
        continue;
      }
      const victim = this.#victimFor(c, now);
      if (victim === undefined) continue;
      this.#selected.delete(victim);
      this.#select(id, c, now);
      changed = true;
    }
    return changed;
  }

  #select(id: string, t: Tracked, now: number): void {
    this.#selected.add(id);
    t.selectedAt = now;
  }

  /** Speaking sources without a slot: loudest first, then earliest onset, then id. */
  #candidates(): string[] {
    const out: string[] = [];
    for (const [id, t] of this.#tracked) if (t.speaking && !this.#selected.has(id)) out.push(id);
    return out.sort((a, b) => {
      const ta = this.#tracked.get(a)!;
      const tb = this.#tracked.get(b)!;
      return ta.level - tb.level || ta.onsetAt - tb.onsetAt || (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  /** The selected source candidate `c` may replace now, if any (see the module comment). */
  #victimFor(c: Tracked, now: number): string | undefined {
    let silent: string | undefined;
    let silentT: Tracked | undefined;
    let quiet: string | undefined;
    let quietT: Tracked | undefined;
    for (const id of this.#selected) {
      const t = this.#tracked.get(id)!;
      if (!t.speaking) {
        // the longest silent; among equals the quietest
        if (!silentT || t.silentSince < silentT.silentSince || (t.silentSince === silentT.silentSince && t.level > silentT.level)) {
          silent = id;
          silentT = t;
        }
        continue;
      }
      if (now - t.selectedAt < this.#o.holdMs || c.level + this.#o.marginDb > t.level) continue;
      // the quietest; among equals the one that got its slot first
      if (!quietT || t.level > quietT.level || (t.level === quietT.level && t.selectedAt < quietT.selectedAt)) {
        quiet = id;
        quietT = t;
      }
    }
    return silent ?? quiet;
  }
}
