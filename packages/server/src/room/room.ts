/**
 * A room: its members, the snapshot events they receive, and (once media starts) its router.
 * @module
 */
import { TypedEmitter, type TrackSource } from '@rtcroom/protocol';
import { ActiveSpeakersChannel } from './active-speakers.ts';
import type { Member } from './member.ts';
import type { RoomMedia } from './room-media.ts';
import { SnapshotChannel } from './snapshot.ts';

export type { RoomMedia } from './room-media.ts';

/** Events of a room. */
export type RoomEvents = {
  /** A member was added. */
  memberJoined: [Member];
  /** A member was removed; `reason` says why (exit, disconnect, …). */
  memberLeft: [Member, string];
  /** A source of a member started (`true`) or stopped (`false`) being forwarded. */
  published: [Member, TrackSource, boolean];
  /** The last member left; the room is gone. */
  closed: [];
};

/** A room of one app. */
export class Room extends TypedEmitter<RoomEvents> {
  /** App of the room. */
  readonly appId: string;
  /** Room id. */
  readonly roomId: string;
  /** Members by user id, in join order. */
  readonly members = new Map<string, Member>();
  /** When the room was created (ms since epoch). */
  readonly createdAt = Date.now();
  /** Media of the room, created by the first member that needs it. */
  media: RoomMedia | undefined;
  /** Member list events. */
  readonly membersChannel: SnapshotChannel;
  /** Camera-video publisher list events. */
  readonly videoChannel: SnapshotChannel;
  /** Screen-share publisher list events. */
  readonly screenChannel: SnapshotChannel;
  /** Douyin speaker list events: users whose microphone audio is published. */
  readonly speakersChannel: SnapshotChannel;
  /** Voice-activity events (web extension). */
  readonly activeSpeakersChannel: ActiveSpeakersChannel;

  /** @param snapshotIntervalMs at most one snapshot per kind is sent per interval */
  constructor(appId: string, roomId: string, snapshotIntervalMs: number) {
    super();
    this.appId = appId;
    this.roomId = roomId;
    const everyone = () => this.members.values();
    // an invisible member is in nobody's list but its own
    const withSelf = (m: Member): string[] | undefined => (m.visible ? undefined : this.userIdList(m));
    this.membersChannel = new SnapshotChannel('rtcChatMembersChanged', roomId, () => this.userIdList(), everyone, snapshotIntervalMs, withSelf);
    this.videoChannel = new SnapshotChannel('rtcVideoMembersChanged', roomId, () => this.media?.publishers('video') ?? [], everyone, snapshotIntervalMs);
    this.screenChannel = new SnapshotChannel('rtcPublishScreenMembersChanged', roomId, () => this.media?.publishers('screen') ?? [], everyone, snapshotIntervalMs);
    this.speakersChannel = new SnapshotChannel('rtcChatSpeakersChanged', roomId, () => this.media?.publishers('audio') ?? [], everyone, snapshotIntervalMs);
    this.activeSpeakersChannel = new ActiveSpeakersChannel(roomId, () => this.media?.activeSpeakers() ?? [], everyone, snapshotIntervalMs);
  }

  /** Number of visible members. */
  get visibleCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.visible) n++;
    return n;
  }

  /** Visible members in join order; with `viewer`, as that member sees them (itself included). */
  userIdList(viewer?: Member): string[] {
    const out: string[] = [];
    for (const m of this.members.values()) if (m.visible || m === viewer) out.push(m.userId);
    return out;
  }

  #channels(): SnapshotChannel[] {
    return [this.membersChannel, this.videoChannel, this.screenChannel, this.speakersChannel];
  }

  /** A source of `m` started or stopped being forwarded (called by the room's media). */
  publicationChanged(m: Member, source: TrackSource, active: boolean): void {
    this.emit('published', m, source, active);
  }

  /** Adds `m`; it has seen the current lists (they come in its join reply). */
  add(m: Member): void {
    this.members.set(m.userId, m);
    if (m.visible) this.membersChannel.changed();
    for (const c of this.#channels()) c.markSeen(m);
    this.emit('memberJoined', m);
  }

  /** Removes `m` if present; returns whether it was. Emits `closed` when the room empties. */
  remove(m: Member, reason: string): boolean {
    if (this.members.get(m.userId) !== m) return false;
    this.members.delete(m.userId);
    this.emit('memberLeft', m, reason);
    if (this.members.size === 0) {
      for (const c of this.#channels()) c.cancel();
      this.activeSpeakersChannel.cancel();
      this.media?.close();
      this.media = undefined;
      this.emit('closed');
    } else if (m.visible) {
      this.membersChannel.changed();
    }
    return true;
  }
}
