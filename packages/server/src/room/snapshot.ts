/**
 * One kind of full-list event of a room (members, video members, screen members, speakers):
 * changes bump a version, a coalesced flush sends the list once to each member that has not
 * seen the newest version, serialised once for everyone.
 * @module
 */
import type { ServerEvents } from '@rtcroom/protocol';
import { Coalescer } from './coalescer.ts';
import type { Member } from './member.ts';

/** Events that carry a snapshot. */
export type SnapshotEventName = { [E in keyof ServerEvents]: ServerEvents[E] extends { userIdList: string[] } ? E : never }[keyof ServerEvents];

/** A coalesced, versioned full-list event. */
export class SnapshotChannel {
  readonly event: SnapshotEventName;
  readonly #roomId: string;
  readonly #list: () => string[];
  readonly #recipients: () => Iterable<Member>;
  readonly #flush: Coalescer;
  readonly #seen = new WeakMap<Member, number>();
  #version = 0;
  #lastText = '';

  /**
   * @param list computes the current list
   * @param recipients who receives it
   */
  constructor(event: SnapshotEventName, roomId: string, list: () => string[], recipients: () => Iterable<Member>, intervalMs: number) {
    this.event = event;
    this.#roomId = roomId;
    this.#list = list;
    this.#recipients = recipients;
    this.#flush = new Coalescer(() => this.flush(), intervalMs);
  }

  /** The current list. */
  current(): string[] {
    return this.#list();
  }

  /** Notes a change; a flush follows within the interval. */
  changed(): void {
    this.#version++;
    this.#flush.schedule();
  }

  /** `m` already has the current list (it came in its join reply). */
  markSeen(m: Member): void {
    this.#seen.set(m, this.#version);
  }

  /** Sends the list to everyone who has not seen the newest version. */
  flush(): void {
    const version = this.#version;
    const text = JSON.stringify({ event: this.event, data: { roomId: this.#roomId, userIdList: this.#list() } });
    const unchanged = text === this.#lastText;
    this.#lastText = text;
    for (const m of this.#recipients()) {
      if ((this.#seen.get(m) ?? -1) >= version) continue;
      this.#seen.set(m, version);
      if (!unchanged) m.sink.sendRaw(text);
    }
  }

  /** Cancels a pending flush. */
  cancel(): void {
    this.#flush.cancel();
  }
}
