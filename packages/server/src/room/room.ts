/**
 * A room: its members and the snapshot events they receive.
 * @module
 */
import { TypedEmitter, type EventFrame } from '@rtcroom/protocol';
import { Coalescer } from './coalescer.ts';
import type { Member } from './member.ts';

/** Events of a room. */
export type RoomEvents = {
  /** A member was added. */
  memberJoined: [Member];
  /** A member was removed; `reason` says why (exit, disconnect, …). */
  memberLeft: [Member, string];
  /** The last member left; the room is gone. */
  closed: [];
};

/**
 * A room of one app. Membership changes bump a version; a coalesced flush sends the full
 * member list once to every member that has not seen the newest version.
 */
export class Room extends TypedEmitter<RoomEvents> {
  /** App of the room. */
  readonly appId: string;
  /** Room id. */
  readonly roomId: string;
  /** Members by user id, in join order. */
  readonly members = new Map<string, Member>();
  /** When the room was created (ms since epoch). */
  readonly createdAt = Date.now();
  #membersVersion = 0;
  readonly #membersFlush: Coalescer;

  /**
   * @param snapshotIntervalMs at most one snapshot per kind is sent per interval
   */
  constructor(appId: string, roomId: string, snapshotIntervalMs: number) {
    super();
    this.appId = appId;
    this.roomId = roomId;
    this.#membersFlush = new Coalescer(() => this.#flushMembers(), snapshotIntervalMs);
  }

  /** Current member list (join order). */
  userIdList(): string[] {
    return [...this.members.keys()];
  }

  /** Adds `m`; it has seen the list that includes itself (it gets it in the join reply). */
  add(m: Member): void {
    this.members.set(m.userId, m);
    this.#membersVersion++;
    m.membersVersion = this.#membersVersion;
    this.#membersFlush.schedule();
    this.emit('memberJoined', m);
  }

  /** Removes `m` if present; returns whether it was. Emits `closed` when the room empties. */
  remove(m: Member, reason: string): boolean {
    if (this.members.get(m.userId) !== m) return false;
    this.members.delete(m.userId);
    this.#membersVersion++;
    this.emit('memberLeft', m, reason);
    if (this.members.size === 0) {
      this.#membersFlush.cancel();
      this.emit('closed');
    } else {
      this.#membersFlush.schedule();
    }
    return true;
  }

  #flushMembers(): void {
    const version = this.#membersVersion;
    const frame: EventFrame = { event: 'rtcChatMembersChanged', data: { roomId: this.roomId, userIdList: this.userIdList() } };
    const text = JSON.stringify(frame);
    for (const m of this.members.values()) {
      if (m.membersVersion >= version) continue;
      m.membersVersion = version;
      m.sink.sendRaw(text);
    }
  }
}
