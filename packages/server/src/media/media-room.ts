/**
 * What a `Router` needs of its room: the members (for audio selection and subscriptions), the
 * "something changed" hooks of the room's list events, and the member-left signal. The main
 * process's `Room` is one; a media worker's `WorkerRoom` (`workers/worker-room.ts`) is the other,
 * standing in for a room whose state lives in the main process.
 * @module
 */
import type { TrackSource } from '@rtcroom/protocol';
import type { Member } from '../room/member.ts';

/** A list event of the room that the media side marks as changed. */
export interface ChangedHook {
  /** The list may have changed; the owner recomputes and sends it (coalesced). */
  changed(): void;
}

/** The room a router serves. */
export interface MediaRoom {
  /** Room id (logs). */
  readonly roomId: string;
  /** Members by user id. */
  readonly members: ReadonlyMap<string, Member>;
  /** Microphone publishers changed (Douyin speakers). */
  readonly speakersChannel: ChangedHook;
  /** Camera publishers changed. */
  readonly videoChannel: ChangedHook;
  /** Screen publishers changed. */
  readonly screenChannel: ChangedHook;
  /** Voice activity changed (`changed`), or speech goes on (`refresh`: levels are due again). */
  readonly activeSpeakersChannel: ChangedHook & { refresh(now?: number): void };
  /**
   * A source of `m` started (`active`) or stopped being forwarded. The main process's room turns
   * it into its `published` event (webhooks, usage); a worker's room has no use for it.
   */
  publicationChanged?(m: Member, source: TrackSource, active: boolean): void;
  /** Calls `listener` when a member left the room. */
  on(event: 'memberLeft', listener: (m: Member, reason: string) => void): unknown;
}
