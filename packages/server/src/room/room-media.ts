/**
 * What the room side (join service, signaling handlers, liveness, snapshot channels) asks of a
 * room's media: the whole main ↔ media surface. Two implementations: the in-process `Router`
 * (`media/router.ts`, `--workers 1`) and `RemoteRoomMedia` (`workers/remote-room-media.ts`), which
 * says the same through the messages of `workers/protocol.ts` to the worker process owning the
 * room. Nothing else of the room side touches media objects.
 * @module
 */
import type { ActiveSpeaker, TrackSource } from '@rtcroom/protocol';
import type { ViewReport } from '../media/downlink.ts';
import type { RecordingSpec, StopReason } from '../media/recording/manifest.ts';
import type { MemberMediaStats } from '../media/member-stats.ts';
import type { Member } from './member.ts';

/** A room's media, as the room side sees it. */
export interface RoomMedia {
  /** Visible users publishing this source, in publish order. */
  publishers(source: 'audio' | 'video' | 'screen'): string[];
  /** Visible users speaking now, loudest first. */
  activeSpeakers(): ActiveSpeaker[];
  /** Send and receive bitrate and loss now of each member with a media connection (the admin API; a worker is asked). */
  memberStats(): MemberMediaStats[] | Promise<MemberMediaStats[]>;
  /** Members with at least one active producer (visible or not). */
  publisherCount(): number;
  /** Whether `m` has an active producer. */
  isPublishing(m: Member): boolean;
  /**
   * The member's last media activity (performance.now() of this process): RTP from its publisher
   * connection or RTCP from its subscriber connection; undefined when it has no media connection.
   */
  lastActivity(m: Member): number | undefined;
  /** Applies a publisher offer from `m`; resolves with the answer. `api` names the app's call in errors. */
  publisherOffer(m: Member, sdp: string, sources: Record<string, TrackSource>, api?: string): Promise<string>;
  /** Applies a subscriber answer. */
  subscriberAnswer(m: Member, offerId: number, sdp: string): Promise<void>;
  /**
   * Turns forwarding of `sources` on or off for `m`. The four calls of a member's requests may
   * return a promise (on a worker): the request is answered once it resolves, after whatever the
   * change sent to members.
   */
  setPublish(m: Member, sources: TrackSource[], publish: boolean): void | Promise<void>;
  /** Stops forwarding everything `m` publishes (invisible, privilege expired). */
  unpublishAll(m: Member): void;
  /** Records a subscription choice of `m` and applies it. */
  setSubscribe(m: Member, userId: string, sources: TrackSource[], subscribe: boolean): void | Promise<void>;
  /** What `m`'s page shows of remote videos (adaptive stream). */
  setViews(m: Member, views: readonly ViewReport[]): void | Promise<void>;
  /** Restarts ICE on `m`'s subscriber connection (a no-op before it exists). */
  restartSubscriberIce(m: Member): void | Promise<void>;
  /** Re-applies `m`'s subscriptions (its grants changed, or a privilege expired). */
  refreshMember(m: Member): void;
  /** `m` turned visible or invisible (after `member.visible` changed). */
  visibilityChanged(m: Member): void;
  /** A member joined a room whose media exists: give it what it wants of what is published. */
  memberJoined(m: Member): void;
  /** `m` was resumed on a new session: what it may have missed meanwhile is sent again. */
  memberResumed(m: Member): void;
  /**
   * Starts recording every track of the room into `spec.dir` (files and manifest written where the
   * media runs); resolves once the manifest exists.
   */
  startRecording(spec: RecordingSpec): Promise<void>;
  /** Stops recording `id`; resolves once its files are finished and its manifest final. */
  stopRecording(id: string, reason: StopReason): Promise<void>;
  /** Frees everything (the room closed): a recording stops with reason `room_closed`. */
  close(): void;
}
