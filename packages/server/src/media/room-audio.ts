/**
 * The audio of one room as the server hears it: a speaker detector per published microphone
 * (fed with the RFC 6464 level of every packet) behind the voice-activity list, and audio
 * selection for big rooms (`audio-selection.ts`): above the configured size only the selected
 * speakers' microphones are forwarded. Membership and the speaker lists are not affected.
 * @module
 */
import { SpeakerDetector, type ActiveSpeaker, type SpeakerOptions } from '@rtcroom/protocol';
import type { MediaRoom } from './media-room.ts';
import { AudioSelector, type AudioSelectionConfig, type AudioSourceState } from './audio-selection.ts';
import type { Consumer } from './consumer.ts';
import type { Producer } from './producer.ts';

/** How often speech that stopped arriving is ended and the selection re-evaluated (ms). */
const TICK_MS = 100;

/** Speaker detection and audio selection of one room. */
export class RoomAudio {
  readonly #room: MediaRoom;
  readonly #options: SpeakerOptions;
  readonly #detectors = new Map<Producer, SpeakerDetector>();
  readonly #selection: AudioSelectionConfig;
  readonly #selector: AudioSelector;
  readonly #tick: NodeJS.Timeout;
  /** Whether audio selection applies now (the room is above its size threshold). */
  #selecting = false;

  constructor(room: MediaRoom, options: SpeakerOptions, selection: AudioSelectionConfig) {
    this.#room = room;
    this.#options = options;
    this.#selection = selection;
    this.#selector = new AudioSelector({ maxSpeakers: selection.maxSpeakers });
    // ends speech whose packets stopped (DTX, a dead connection) after the hang time
    this.#tick = setInterval(() => {
      const now = performance.now();
      let changed = false;
      let anyone = false;
      for (const d of this.#detectors.values()) {
        changed = d.tick(now) || changed;
        anyone ||= d.speaking;
      }
      if (changed) this.#room.activeSpeakersChannel.changed();
      else if (anyone) this.#room.activeSpeakersChannel.refresh(now);
      this.select(now);
    }, TICK_MS);
    this.#tick.unref();
    this.select();
  }

  /** Visible users speaking now, loudest first (ties in publish order). */
  activeSpeakers(): ActiveSpeaker[] {
    const out: ActiveSpeaker[] = [];
    for (const [p, d] of this.#detectors) {
      if (d.speaking && p.active && this.#room.members.get(p.userId)?.visible) out.push({ userId: p.userId, level: Math.round(d.level) });
    }
    return out.sort((a, b) => a.level - b.level);
  }

  /** Whether `userId` speaks now. */
  speaking(userId: string): boolean {
    for (const [p, d] of this.#detectors) if (p.userId === userId && d.speaking) return true;
    return false;
  }

  /** Starts detecting speech on a published microphone. */
  watch(p: Producer): void {
    if (p.source !== 'audio' || this.#detectors.has(p)) return;
    const d = new SpeakerDetector(this.#options);
    this.#detectors.set(p, d);
    p.onLevel = (level, t) => {
      if (!d.push(level, t)) return;
      this.#room.activeSpeakersChannel.changed();
      this.select(t);
    };
  }

  /** Stops detecting speech on `p` (unpublished, gone): a speaker leaves the list at once. */
  unwatch(p: Producer): void {
    const d = this.#detectors.get(p);
    if (!d) return;
    this.#detectors.delete(p);
    p.onLevel = undefined;
    if (d.reset()) this.#room.activeSpeakersChannel.changed();
  }

  /**
   * Audio selection (big rooms): feeds the speakers' state to the selector and, when the
   * selection or whether it applies changed, pauses every microphone consumer of an unselected
   * speaker and resumes the others.
   */
  select(now = performance.now()): void {
    const above = this.#selection.aboveMembers;
    if (above <= 0) return;
    const sources: AudioSourceState[] = [];
    for (const [p, d] of this.#detectors) if (p.active) sources.push({ id: p.userId, speaking: d.speaking, level: d.level });
    const changed = this.#selector.update(sources, now);
    const on = this.#room.members.size > above;
    if (on === this.#selecting && !(on && changed)) return;
    this.#selecting = on;
    for (const p of this.#detectors.keys()) for (const c of p.consumers) this.gate(c);
  }

  /** Pauses `c` when it carries an unselected microphone while selection applies; resumes it otherwise. */
  gate(c: Consumer): void {
    if (c.producer.source !== 'audio') return;
    const want = !this.#selecting || this.#selector.has(c.producer.userId) ? 0 : -1;
    if (c.targetLayer !== want) c.setTargetLayer(want);
  }

  /** Stops the tick. */
  close(): void {
    clearInterval(this.#tick);
  }
}
