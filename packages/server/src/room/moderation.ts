/**
 * What an operator may do to rooms (the admin API's actions): remove a member, stop one of its
 * streams, close a room for everyone. Room state lives in the main process, so this works the
 * same whether media runs in process or on media workers.
 * @module
 */
import { statePayload, type TrackSource } from '@rtcroom/protocol';
import type { JoinService } from './join-service.ts';
import type { Member } from './member.ts';
import type { RoomManager } from './room-manager.ts';

/** The stream kinds the operator can stop, as the admin API names them. */
export const MUTE_STREAM_TYPES = ['audio', 'video', 'screen'] as const;
/** One of {@link MUTE_STREAM_TYPES}. */
export type MuteStreamType = (typeof MUTE_STREAM_TYPES)[number];

/** The sources a mute of `streamType` stops (a screen share's audio goes with it). */
export function muteSources(streamType: MuteStreamType): TrackSource[] {
  return streamType === 'screen' ? ['screen', 'screenAudio'] : [streamType];
}

/** Operator actions on the rooms of a {@link RoomManager}. */
export class Moderation {
  readonly #rooms: RoomManager;
  readonly #joins: JoinService;

  constructor(rooms: RoomManager, joins: JoinService) {
    this.#rooms = rooms;
    this.#joins = joins;
  }

  /** The member `userId` of this room, or undefined. */
  member(appId: string, roomId: string, userId: string): Member | undefined {
    return this.#rooms.room(appId, roomId)?.members.get(userId);
  }

  /** Removes `m` from its room: `onRtcChatInterrupted` 21913, and its SDK does not rejoin. */
  kick(m: Member): void {
    this.#joins.remove(m, 'kicked', m.roomId);
  }

  /**
   * Stops forwarding the `streamType` sources `m` publishes (`published`: what it publishes now).
   * The member is told with `onRtcStateChanged` 21958 (`data.reason: 'mutedByServer'`) and its SDK
   * stops sending; the others see the unpublish as usual. Resolves with the sources stopped (none
   * when it did not publish that kind).
   */
  async mute(m: Member, streamType: MuteStreamType, published: readonly TrackSource[]): Promise<TrackSource[]> {
    const room = this.#rooms.room(m.appId, m.roomId);
    const stopped = muteSources(streamType).filter((s) => published.includes(s));
    if (!room?.media || stopped.length === 0) return [];
    await room.media.setPublish(m, stopped, false);
    // the member may have left meanwhile (its own leave stopped everything anyway)
    if (room.members.get(m.userId) === m) {
      const state = statePayload('mutedByServer', streamType);
      m.sink.sendRaw(JSON.stringify({ event: 'stateChanged', data: { ...state, data: { reason: 'mutedByServer', streamType, sources: stopped } } }));
    }
    return stopped;
  }

  /** Closes the room: every member gets `onRtcChatInterrupted` 21914 and leaves; returns how many. */
  closeRoom(appId: string, roomId: string): number {
    const room = this.#rooms.room(appId, roomId);
    if (!room) return 0;
    const members = [...room.members.values()];
    for (const m of members) this.#joins.remove(m, 'roomClosed', roomId);
    return members.length;
  }
}
