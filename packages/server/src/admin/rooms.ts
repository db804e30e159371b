/**
 * The admin API's room resources: live rooms, their members and what they publish, and the
 * operator's actions (kick, mute, close).
 * @module
 */
import type { TrackSource } from '@rtcroom/protocol';
import type { AppRegistry } from '../apps/registry.ts';
import type { RoomActivity } from '../ops/room-activity.ts';
import type { Moderation } from '../room/moderation.ts';
import type { Member } from '../room/member.ts';
import type { Room } from '../room/room.ts';
import type { RoomManager } from '../room/room-manager.ts';
import { AdminError } from './errors.ts';
import { checkApp, checkId, kickBodySchema, muteBodySchema, parseBody } from './validation.ts';

/** What the room handlers use. */
export interface RoomsDeps {
  apps: AppRegistry;
  rooms: RoomManager;
  activity: RoomActivity;
  moderation: Moderation;
  /** The media worker hosting a room, when media runs on workers. */
  workerOf?: ((room: Room) => number | undefined) | undefined;
  /** Cluster: this node's id, given in every room answer. */
  nodeId?: string | undefined;
}

/** A room in the API's answers. */
export interface RoomView {
  roomId: string;
  /** ISO 8601 */
  startedAt: string;
  members: number;
  /** Members visible to others (invisible ones are counted in `members` only). */
  visibleMembers: number;
  /** Members publishing at least one stream. */
  publishers: number;
  /** The media worker hosting it (with `--workers N`). */
  worker?: number;
  /** Cluster: the node holding the room. */
  node?: string;
}

/** A member in the API's answers. */
export interface MemberView {
  userId: string;
  /** ISO 8601 */
  joinedAt: string;
  visible: boolean;
  /** `connected`, or `reconnecting` while its signaling is lost and it may resume. */
  state: 'connected' | 'reconnecting';
  /** Sources it publishes now: `audio`, `video`, `screen`, `screenAudio`. */
  published: TrackSource[];
  /** Speaking now (voice activity on its microphone). */
  speaking: boolean;
  /** Its voice level while speaking: RFC 6464 -dBov, 0 loudest … 127 silence. */
  level?: number;
  /** Its media now; absent while it has no media connection or its media worker does not answer. */
  stats?: MediaStatsView;
}

/** A member's media figures in the API's answers. */
export interface MediaStatsView {
  /** What reaches the server from it (kbit/s). */
  sendKbps: number;
  /** What the server forwards to it (kbit/s). */
  receiveKbps: number;
  /** Loss on its way to the server over the last 5 s (%). */
  lossPercent: number;
  /** What the server estimates its downlink carries (kbit/s); null while not measured. */
  downlinkKbps: number | null;
  /** Its video is paused because its downlink carries no video layer. */
  videoPausedForBandwidth: boolean;
}

/** Path parameters after the app. */
export interface RoomPath {
  appId: string;
  roomId?: string;
  userId?: string;
}

/** The room handlers. */
export class RoomsApi {
  readonly #d: RoomsDeps;

  constructor(deps: RoomsDeps) {
    this.#d = deps;
  }

  #app(appId: string): string {
    return checkApp(this.#d.apps, appId);
  }

  #room(p: RoomPath): Room {
    const appId = this.#app(p.appId);
    const roomId = checkId('roomId', p.roomId ?? '');
    const room = this.#d.rooms.room(appId, roomId);
    if (!room) throw new AdminError('unknown_room', `room ${roomId} has no members now`);
    return room;
  }

  #member(p: RoomPath): Member {
    const room = this.#room(p);
    const userId = checkId('userId', p.userId ?? '');
    const m = room.members.get(userId);
    if (!m) throw new AdminError('unknown_user', `user ${userId} is not in room ${room.roomId}`);
    return m;
  }

  /** The answer describing `room`. */
  view(room: Room): RoomView {
    let publishers = 0;
    for (const m of room.members.values()) if (this.#d.activity.published(m).length > 0) publishers++;
    const worker = this.#d.workerOf?.(room);
    return {
      roomId: room.roomId,
      startedAt: new Date(room.createdAt).toISOString(),
      members: room.members.size,
      visibleMembers: room.visibleCount,
      publishers,
      ...(worker === undefined ? {} : { worker }),
      ...(this.#d.nodeId === undefined ? {} : { node: this.#d.nodeId }),
    };
  }

  /** `GET /apps/{appId}/rooms` */
  list(p: RoomPath): { rooms: RoomView[] } {
    const appId = this.#app(p.appId);
    const out: RoomView[] = [];
    for (const room of this.#d.rooms.roomsOf(appId)) out.push(this.view(room));
    out.sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
    return { rooms: out };
  }

  /** `GET /apps` */
  apps(): { apps: { appId: string }[] } {
    return { apps: this.#d.apps.ids().map((appId) => ({ appId })) };
  }

  /** `GET /apps/{appId}/rooms/{roomId}/members` */
  async members(p: RoomPath): Promise<{ room: RoomView; members: MemberView[] }> {
    const room = this.#room(p);
    const stats = new Map<string, MediaStatsView>();
    try {
      for (const s of (await room.media?.memberStats()) ?? []) stats.set(s.userId, { sendKbps: s.sendKbps, receiveKbps: s.receiveKbps, lossPercent: s.lossPercent, downlinkKbps: s.downlinkKbps, videoPausedForBandwidth: s.videoPausedForBandwidth });
    } catch {
      // a media worker restarting: the members are listed without figures
    }
    const levels = new Map((room.media?.activeSpeakers() ?? []).map((s) => [s.userId, s.level]));
    const list: MemberView[] = [...room.members.values()].map((m) => {
      const level = levels.get(m.userId);
      const st = stats.get(m.userId);
      return {
        userId: m.userId,
        joinedAt: new Date(m.joinedAt).toISOString(),
        visible: m.visible,
        state: m.detachedAt === undefined ? 'connected' : 'reconnecting',
        published: this.#d.activity.published(m),
        speaking: level !== undefined,
        ...(level === undefined ? {} : { level }),
        ...(st ? { stats: st } : {}),
      };
    });
    return { room: this.view(room), members: list };
  }

  /** `POST /apps/{appId}/rooms/{roomId}/members/{userId}/kick` */
  kick(p: RoomPath, body: string): { roomId: string; userId: string; kicked: true } {
    const m = this.#member(p);
    parseBody(kickBodySchema, body, false);
    this.#d.moderation.kick(m);
    return { roomId: m.roomId, userId: m.userId, kicked: true };
  }

  /** `POST /apps/{appId}/rooms/{roomId}/members/{userId}/mute` */
  async mute(p: RoomPath, body: string): Promise<{ roomId: string; userId: string; streamType: string; stopped: TrackSource[] }> {
    const m = this.#member(p);
    const { streamType } = parseBody(muteBodySchema, body, true);
    const stopped = await this.#d.moderation.mute(m, streamType, this.#d.activity.published(m));
    return { roomId: m.roomId, userId: m.userId, streamType, stopped };
  }

  /** `DELETE /apps/{appId}/rooms/{roomId}` */
  close(p: RoomPath): { roomId: string; closed: true; members: number } {
    const room = this.#room(p);
    return { roomId: room.roomId, closed: true, members: this.#d.moderation.closeRoom(room.appId, room.roomId) };
  }
}
