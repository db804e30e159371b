/**
 * All rooms of this process, and the rule "one user id in one room at a time per app".
 * @module
 */
import { RtcError, TypedEmitter } from '@rtcroom/protocol';
import { Member, type MemberGrants, type MemberSink } from './member.ts';
import { Room } from './room.ts';

/** Events of the room manager. */
export type RoomManagerEvents = {
  /** A room was created by its first join. */
  roomCreated: [Room];
  /** A room was removed when its last member left. */
  roomClosed: [Room];
};

/** What a join needs once the token has been verified. */
export interface JoinRequest {
  /** Whether the member starts visible (default true). */
  visible?: boolean;
  appId: string;
  roomId: string;
  userId: string;
  sink: MemberSink;
  grants: MemberGrants;
}

/** Limits of the room manager. */
export interface RoomLimits {
  /** At most this many members per room, visible or not (a safety cap). */
  maxMembersPerRoom: number;
  /** At most this many visible members per room (Volcengine's default: 50); invisible members do not count. */
  maxVisibleMembers?: number;
  /** Minimum time between two snapshots of one kind in one room. */
  snapshotIntervalMs: number;
}

const key = (appId: string, id: string): string => `${appId}\u0000${id}`;

/** Creates rooms on first join and removes them when empty. */
export class RoomManager extends TypedEmitter<RoomManagerEvents> {
  readonly #rooms = new Map<string, Room>();
  readonly #users = new Map<string, Member>();
  readonly #limits: RoomLimits;

  constructor(limits: RoomLimits) {
    super();
    this.#limits = limits;
  }

  /** Number of rooms. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Number of members across rooms. */
  get memberCount(): number {
    return this.#users.size;
  }

  /** Every member of every room. */
  members(): IterableIterator<Member> {
    return this.#users.values();
  }

  /** The rooms of one app. */
  *roomsOf(appId: string): IterableIterator<Room> {
    for (const room of this.#rooms.values()) if (room.appId === appId) yield room;
  }

  /** The room, if it exists. */
  room(appId: string, roomId: string): Room | undefined {
    return this.#rooms.get(key(appId, roomId));
  }

  /** The member of this user id in this app, wherever it is. */
  memberOf(appId: string, userId: string): Member | undefined {
    return this.#users.get(key(appId, userId));
  }

  /**
   * Adds a member. Fails with 21100 if the user id is in a room of this app already
   * (the existing member is left untouched).
   */
  join(req: JoinRequest): { room: Room; member: Member } {
    const existing = this.#users.get(key(req.appId, req.userId));
    if (existing) throw new RtcError('alreadyInRoom', 'joinRtcRoom', req.userId, existing.roomId);
    let room = this.#rooms.get(key(req.appId, req.roomId));
    if (room && room.members.size >= this.#limits.maxMembersPerRoom) {
      throw new RtcError('roomFull', 'joinRtcRoom', req.roomId, this.#limits.maxMembersPerRoom);
    }
    if (room && (req.visible ?? true)) this.checkVisibleRoom(room, 'joinRtcRoom');
    if (!room) {
      room = new Room(req.appId, req.roomId, this.#limits.snapshotIntervalMs);
      const created = room;
      this.#rooms.set(key(req.appId, req.roomId), room);
      room.on('closed', () => {
        this.#rooms.delete(key(created.appId, created.roomId));
        this.emit('roomClosed', created);
      });
      this.emit('roomCreated', room);
    }
    const member = new Member(req.appId, req.roomId, req.userId, req.sink, req.grants);
    member.visible = req.visible ?? true;
    this.#users.set(key(req.appId, req.userId), member);
    room.add(member);
    return { room, member };
  }

  /**
   * Throws `roomFull` (21906) when `room` has no place for one more visible member.
   * @param api the app's call the error is reported for
   */
  checkVisibleRoom(room: Room, api: string): void {
    const max = this.#limits.maxVisibleMembers;
    if (max !== undefined && room.visibleCount >= max) throw new RtcError('roomFull', api, room.roomId, max);
  }

  /** Removes a member from its room; returns whether it was there. */
  leave(member: Member, reason: string): boolean {
    const k = key(member.appId, member.userId);
    if (this.#users.get(k) !== member) return false;
    this.#users.delete(k);
    member.watch?.stop();
    this.#rooms.get(key(member.appId, member.roomId))?.remove(member, reason);
    return true;
  }
}
