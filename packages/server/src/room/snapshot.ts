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
  readonly #personal: ((m: Member, shared: string[]) => string[] | undefined) | undefined;
  readonly #flush: Coalescer;
  readonly #seen = new WeakMap<Member, number>();
  readonly #lastSent = new WeakMap<Member, string>();
  #version = 0;

  /**
   * @param list computes the current list
   * @param recipients who receives it
   * @param personal a list of its own for some recipients (an invisible member sees itself)
   */
  constructor(
    event: SnapshotEventName,
    roomId: string,
    list: () => string[],
    recipients: () => Iterable<Member>,
    intervalMs: number,
    personal?: (m: Member, shared: string[]) => string[] | undefined,
  ) {
    this.event = event;
    this.#roomId = roomId;
    this.#list = list;
    this.#recipients = recipients;
    this.#personal = personal;
    this.#flush = new Coalescer(() => this.flush(), intervalMs);
  }

  /** The current list as `m` sees it (the shared one when `m` is not given). */
  current(m?: Member): string[] {
    const shared = this.#list();
    return (m && this.#personal?.(m, shared)) ?? shared;
  }

  #text(list: string[]): string {
    return JSON.stringify({ event: this.event, data: { roomId: this.#roomId, userIdList: list } });
  }

  /** Notes a change; a flush follows within the interval. */
  changed(): void {
    this.#version++;
    this.#flush.schedule();
  }

  /** `m` already has the current list (it came in its join reply). */
  markSeen(m: Member): void {
    this.#seen.set(m, this.#version);
    this.#lastSent.set(m, this.#text(this.current(m)));
  }

  /** Sends the list to everyone who has not seen the newest version (serialised once for all but personal lists). */
  flush(): void {
    const version = this.#version;
    const shared = this.#list();
    const text = this.#text(shared);
    for (const m of this.#recipients()) {
      if ((this.#seen.get(m) ?? -1) >= version) continue;
      this.#seen.set(m, version);
      const own = this.#personal?.(m, shared);
      const t = own ? this.#text(own) : text;
      if (this.#lastSent.get(m) === t) continue;
      this.#lastSent.set(m, t);
      m.sink.sendRaw(t);
    }
  }

  /** Cancels a pending flush. */
  cancel(): void {
    this.#flush.cancel();
  }
}
