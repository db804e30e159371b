/**
 * The room's voice-activity event (`rtcActiveSpeakersChanged`, a web extension): who speaks now
 * and how loud, loudest first. Sent when the set or its order changes, and while anyone speaks
 * at most once per `refreshMs` so levels stay current; coalesced like the snapshot events and
 * serialised once for everyone.
 * @module
 */
import type { ActiveSpeaker } from '@rtcroom/protocol';
import { Coalescer } from './coalescer.ts';
import type { Member } from './member.ts';

/** The voice-activity event of one room. */
export class ActiveSpeakersChannel {
  readonly #roomId: string;
  readonly #list: () => ActiveSpeaker[];
  readonly #recipients: () => Iterable<Member>;
  readonly #flush: Coalescer;
  readonly #refreshMs: number;
  #lastText = '';
  #lastKey = '';
  #lastSentAt = -Infinity;

  /**
   * @param list the speakers now, loudest first
   * @param recipients who receives the event
   * @param intervalMs at most one event per interval
   * @param refreshMs while someone speaks, levels are re-sent at most this often
   */
  constructor(roomId: string, list: () => ActiveSpeaker[], recipients: () => Iterable<Member>, intervalMs: number, refreshMs = 1000) {
    this.#roomId = roomId;
    this.#list = list;
    this.#recipients = recipients;
    this.#refreshMs = refreshMs;
    this.#flush = new Coalescer(() => this.flush(), intervalMs);
  }

  /** The list now. */
  current(): ActiveSpeaker[] {
    return this.#list();
  }

  /** The set of speakers (or their order) may have changed. */
  changed(): void {
    this.#flush.schedule();
  }

  /** Periodic call while the room has speakers: re-sends levels when `refreshMs` passed. */
  refresh(now = performance.now()): void {
    if (this.#lastKey !== '' && now - this.#lastSentAt >= this.#refreshMs) this.#flush.schedule();
  }

  /** Sends the list to every member when it differs from the last one sent. */
  flush(): void {
    const speakers = this.#list();
    const key = speakers.map((s) => s.userId).join('\u0000');
    const text = JSON.stringify({ event: 'rtcActiveSpeakersChanged', data: { roomId: this.#roomId, speakers } });
    // levels alone changing is sent only on refresh
    if (key === this.#lastKey && (text === this.#lastText || performance.now() - this.#lastSentAt < this.#refreshMs)) return;
    this.#lastKey = key;
    this.#lastText = text;
    this.#lastSentAt = performance.now();
    for (const m of this.#recipients()) m.sink.sendRaw(text);
  }

  /** Cancels a pending flush. */
  cancel(): void {
    this.#flush.cancel();
  }
}
