/**
 * What operators watch happen in rooms, as one ordered stream of events: rooms starting and
 * finishing, members joining and leaving, streams published and unpublished. Webhooks, usage
 * records and metrics listen here; nothing of the room side knows about them. It also keeps
 * what each member publishes now (the admin API lists it).
 * @module
 */
import { TypedEmitter, type TrackSource } from '@rtcroom/protocol';
import type { Member } from '../room/member.ts';
import type { Room } from '../room/room.ts';
import type { RoomManager } from '../room/room-manager.ts';

/** A room, as activity events name it. */
export interface RoomRef {
  appId: string;
  roomId: string;
  /** When the room started (ms since epoch). */
  startedAt: number;
}

/** A member's stay, as activity events name it. */
export interface MemberRef {
  appId: string;
  roomId: string;
  userId: string;
  /** When it joined (ms since epoch). */
  joinedAt: number;
}

/** Events of {@link RoomActivity}, in the order they happen (per room). */
export type RoomActivityEvents = {
  roomStarted: [RoomRef];
  roomFinished: [RoomRef & { endedAt: number }];
  memberJoined: [MemberRef];
  /** `published`: every source the member published during its stay. */
  memberLeft: [MemberRef & { leftAt: number; reason: string; published: TrackSource[] }];
  streamPublished: [MemberRef & { source: TrackSource; at: number }];
  streamUnpublished: [MemberRef & { source: TrackSource; at: number }];
};

interface Stay {
  /** Published now. */
  readonly now: Set<TrackSource>;
  /** Published at any time of the stay. */
  readonly ever: Set<TrackSource>;
}

const memberRef = (m: Member): MemberRef => ({ appId: m.appId, roomId: m.roomId, userId: m.userId, joinedAt: m.joinedAt });
const roomRef = (r: Room): RoomRef => ({ appId: r.appId, roomId: r.roomId, startedAt: r.createdAt });

/** Follows every room of a {@link RoomManager} and reports what operators care about. */
export class RoomActivity extends TypedEmitter<RoomActivityEvents> {
  readonly #stays = new Map<Member, Stay>();

  constructor(rooms: RoomManager) {
    super();
    rooms.on('roomCreated', (room) => this.#follow(room));
    rooms.on('roomClosed', (room) => this.emit('roomFinished', { ...roomRef(room), endedAt: Date.now() }));
  }

  /** Members publishing at least one source now. */
  get publisherCount(): number {
    let n = 0;
    for (const s of this.#stays.values()) if (s.now.size > 0) n++;
    return n;
  }

  /** The sources `m` publishes now, in a stable order. */
  published(m: Member): TrackSource[] {
    const s = this.#stays.get(m);
    return s ? [...s.now].sort() : [];
  }

  #follow(room: Room): void {
    this.emit('roomStarted', roomRef(room));
    room.on('memberJoined', (m) => {
      this.#stays.set(m, { now: new Set(), ever: new Set() });
      this.emit('memberJoined', memberRef(m));
    });
    room.on('published', (m, source, active) => {
      const stay = this.#stays.get(m);
      // a media side may report after the member left: ignored, its leave closed everything
      if (!stay || stay.now.has(source) === active) return;
      const at = Date.now();
      if (active) {
        stay.now.add(source);
        stay.ever.add(source);
        this.emit('streamPublished', { ...memberRef(m), source, at });
      } else {
        stay.now.delete(source);
        this.emit('streamUnpublished', { ...memberRef(m), source, at });
      }
    });
    room.on('memberLeft', (m, reason) => {
      const stay = this.#stays.get(m);
      if (!stay) return;
      this.#stays.delete(m);
      const at = Date.now();
      // what was still published stops with the leave, before it
      for (const source of [...stay.now].sort()) this.emit('streamUnpublished', { ...memberRef(m), source, at });
      this.emit('memberLeft', { ...memberRef(m), leftAt: at, reason, published: [...stay.ever].sort() });
    });
  }
}
