/**
 * The one owner of a member's stay: join (token check, room, token timers, media), exit, token
 * renewal, visibility, and what happens when its signaling session is lost: the member is kept,
 * detached, for the resume grace window (others see no change), and can be resumed by a new
 * session with the resume token of its join; a member whose signaling and media both fell silent
 * is a ghost and leaves (see {@link LivenessMonitor}).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { CLOSE_CODES, RtcError, statePayload, type JoinRedirect, type JoinResult, type RequestParams, type ServerEvents } from '@rtcroom/protocol';
import { Privileges, privilegeExpiry, verifyToken } from '@rtcroom/token';
import type { AppRegistry } from '../apps/registry.ts';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Member, MemberGrants, MemberSink } from './member.ts';
import type { Room } from './room.ts';
import type { RoomMedia } from './room-media.ts';
import type { RoomManager } from './room-manager.ts';
import { TokenWatch, expiryMs } from './token-watch.ts';
import { LivenessMonitor } from './liveness.ts';
import { iceServersFor } from '../turn/credentials.ts';
import type { Cluster } from '../cluster/cluster.ts';

/** What the service needs of a signaling session. */
export interface SessionPort extends MemberSink {
  /** The member the session holds, once joined or resumed. */
  member: Member | undefined;
  /** Closes the session without a leave of its own (its member moved on, or is gone already). */
  detach(code: number, reason: string): void;
  /** True once the session has ended. */
  readonly closed: boolean;
}

/**
 * Creates the media of a room (in process, or on a media worker). `lost` is called when that
 * media died on its own (its worker crashed): the room's members must start their media again.
 * Throws when no media can be created now (every worker down).
 */
export type MediaFactory = (room: Room, lost: (reason: string) => void) => RoomMedia;

/** Where a detached member's events go: nowhere (the resume reply carries fresh lists). */
const DETACHED: MemberSink = { sendRaw: () => undefined };

function willExpireEvent(expireAt: number): ServerEvents['tokenWillExpire'] {
  return { expireAt, inSeconds: Math.max(0, Math.round((expiryMs(expireAt) - Date.now()) / 1000)) };
}

function send<E extends keyof ServerEvents>(m: Member, event: E, data: ServerEvents[E]): void {
  m.sink.sendRaw(JSON.stringify({ event, data }));
}

/** Join, exit, resume and the rest of a member's lifecycle. */
export class JoinService {
  readonly #apps: AppRegistry;
  readonly #rooms: RoomManager;
  readonly #config: ServerConfig;
  readonly #log: Logger;
  readonly #byResumeToken = new Map<string, Member>();
  /**
   * Resume tokens of members the operator removed, for the resume grace window: a member removed
   * while its connection was down is refused with the removal's code when it comes back, and its
   * SDK gives up rather than joining again.
   */
  readonly #removed = new Map<string, { code: 'kicked' | 'roomClosed'; roomId: string; at: number }>();
  readonly #liveness: LivenessMonitor;

  readonly #newMedia: MediaFactory;
  readonly #cluster: Cluster | undefined;

  /**
   * @param newMedia creates a room's media on first use (the in-process router, or a worker's)
   * @param cluster this node's cluster (`--redis`): a room not on this node is placed through it
   */
  constructor(apps: AppRegistry, rooms: RoomManager, config: ServerConfig, log: Logger, newMedia: MediaFactory, cluster?: Cluster) {
    this.#cluster = cluster;
    this.#apps = apps;
    this.#rooms = rooms;
    this.#config = config;
    this.#log = log;
    this.#newMedia = newMedia;
    this.#liveness = new LivenessMonitor(
      rooms,
      config,
      (m) => rooms.room(m.appId, m.roomId)?.media?.lastActivity(m),
      (m, reason) => this.#gone(m, reason),
    );
  }

  /** The room's media, created on first use; `api` names the app's call if none can be created. */
  media(room: Room, api: string): RoomMedia {
    if (room.media) return room.media;
    let media: RoomMedia;
    try {
      media = this.#newMedia(room, (reason) => this.#mediaLost(room, media, reason));
    } catch (e) {
      this.#log.error('room media could not be created', { appId: room.appId, roomId: room.roomId, err: e });
      throw new RtcError('mediaFailed', api, (e as Error).message);
    }
    room.media = media;
    return media;
  }

  /**
   * The room's media died on its own (its media worker crashed): every member is told its media
   * failed (21954) and let go, and its session is closed with {@link CLOSE_CODES.mediaLost}. The
   * SDK recovers by joining again, which places the room afresh (on a live worker).
   */
  #mediaLost(room: Room, media: RoomMedia, reason: string): void {
    if (room.media !== media) return;
    this.#log.warn('room media lost: members rejoin', { appId: room.appId, roomId: room.roomId, members: room.members.size, reason });
    const failed = { ...statePayload('transportFailed', 'media'), data: { connection: 'media', state: 'failed', reason: 'mediaLost' } };
    this.#evict(room, CLOSE_CODES.mediaLost, reason, (m) => send(m, 'stateChanged', failed));
  }

  /**
   * The room moved to another node of the cluster (this node drained, or another node holds it
   * now): every member is let go with {@link CLOSE_CODES.roomMoved} and the SDK joins again, on the
   * room's node. Returns whether the room was here.
   */
  moveRoom(appId: string, roomId: string, reason: string): boolean {
    const room = this.#rooms.room(appId, roomId);
    if (!room) return false;
    this.#log.warn('room moved to another node: members rejoin there', { appId, roomId, members: room.members.size, reason });
    this.#evict(room, CLOSE_CODES.roomMoved, reason);
    return true;
  }

  /** Lets every member of `room` go and closes its session with `code` (the SDK joins again). */
  #evict(room: Room, code: number, reason: string, tell?: (m: Member) => void): void {
    for (const m of [...room.members.values()]) {
      tell?.(m);
      const s = m.sink;
      this.#leave(m, reason);
      if (isSessionPort(s)) s.detach(code, reason);
    }
  }

  /** The member of `s` and its room, or `notInRoom` for `api`. */
  joined(s: SessionPort, api: string): { member: Member; room: Room } {
    const member = s.member;
    const room = member && this.#rooms.room(member.appId, member.roomId);
    if (!member || !room) throw new RtcError('notInRoom', api, 'any room');
    return { member, room };
  }

  /**
   * Joins `s` to a room. In a cluster, a room that is not on this node is placed first: here, or a
   * redirect to the node holding it (nothing changes on this node then).
   */
  join(s: SessionPort, p: RequestParams<'joinRtcRoom'>): JoinResult | Promise<JoinResult | JoinRedirect> {
    if (s.member) throw new RtcError('alreadyInRoom', 'joinRtcRoom', s.member.userId, s.member.roomId);
    const app = this.#apps.get(p.appId);
    if (!app) {
      this.#log.info('join refused: unknown appId', { appId: p.appId });
      throw new RtcError('invalidToken', 'joinRtcRoom');
    }
    const grants = this.#verify(p.token, app.appKey, p.appId, p.roomId, p.userId);
    if (!grants) throw new RtcError('invalidToken', 'joinRtcRoom');
    const cluster = this.#cluster;
    if (cluster && !this.#rooms.room(p.appId, p.roomId)) return this.#joinPlaced(cluster, s, p, grants);
    return this.#joinHere(s, p, grants);
  }

  async #joinPlaced(cluster: Cluster, s: SessionPort, p: RequestParams<'joinRtcRoom'>, grants: MemberGrants): Promise<JoinResult | JoinRedirect> {
    const where = await cluster.place(p.appId, p.roomId, p.avoidNodes ?? [], 'joinRtcRoom');
    if (!where.here) {
      this.#log.debug('join redirected', { appId: p.appId, roomId: p.roomId, userId: p.userId, node: where.node.id });
      return { redirect: where.node };
    }
    try {
      // the session may have ended or joined meanwhile
      if (s.member) throw new RtcError('alreadyInRoom', 'joinRtcRoom', s.member.userId, s.member.roomId);
      if (s.closed) throw new RtcError('connectionFailed', 'joinRtcRoom', 'the connection closed during the join');
      return this.#joinHere(s, p, grants);
    } finally {
      // a first join that failed leaves no pin behind
      cluster.placed(p.appId, p.roomId);
    }
  }

  #joinHere(s: SessionPort, p: RequestParams<'joinRtcRoom'>, grants: MemberGrants): JoinResult {
    // the same user joining while its old member waits for a resume (a reloaded page, a client
    // that lost its resume token): the new join wins; a member with a live session still refuses
    const waiting = this.#rooms.memberOf(p.appId, p.userId);
    if (waiting?.detachedAt !== undefined) this.#leave(waiting, 'replaced by a new join');
    const { member, room } = this.#rooms.join({ appId: p.appId, roomId: p.roomId, userId: p.userId, sink: s, grants, visible: p.visible ?? true });
    s.member = member;
    member.autoSubscribe = p.roomConfig?.autoSubscribe ?? true;
    member.resumeToken = randomBytes(18).toString('base64url');
    this.#byResumeToken.set(member.resumeToken, member);
    // the token's timers start after the join reply is out, so a token already inside its last
    // 30 s warns after the app knows it joined (an event before the reply would be dropped)
    setImmediate(() => {
      if (this.#rooms.memberOf(member.appId, member.userId) === member) this.#watchToken(member, room);
    });
    room.media?.memberJoined(member);
    this.#log.debug('joined', { appId: p.appId, roomId: p.roomId, userId: p.userId });
    return this.#result(member, room);
  }

  #result(member: Member, room: Room): JoinResult {
    return {
      roomId: room.roomId,
      userId: member.userId,
      members: room.userIdList(member),
      videoMembers: room.videoChannel.current(),
      screenMembers: room.screenChannel.current(),
      speakers: room.speakersChannel.current(),
      activeSpeakers: room.activeSpeakersChannel.current(),
      canPublish: member.publishPrivilegeDenied() === undefined,
      canSubscribe: member.subscribeDenied() === undefined,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.#config.heartbeatTimeoutMs,
      tokenExpireAt: member.grants.tokenExpireAt,
      resumeToken: member.resumeToken ?? '',
      resumeGraceMs: this.#config.resumeGraceMs,
      iceServers: iceServersFor(this.#config.turn, member.userId),
      ...(this.#cluster ? { cluster: this.#cluster.info() } : {}),
    };
  }

  #watchToken(member: Member, room: Room): void {
    member.watch = new TokenWatch(() => member.grants, this.#config.tokenWillExpireLeadMs, {
      willExpire: (expireAt) => send(member, 'tokenWillExpire', willExpireEvent(expireAt)),
      expired: () => {
        this.#log.info('token expired', { appId: member.appId, roomId: member.roomId, userId: member.userId });
        send(member, 'interrupted', new RtcError('tokenExpired', 'onRtcChatInterrupted').toPayload());
        this.#leave(member, 'token expired');
      },
      publishExpired: () => {
        room.media?.unpublishAll(member);
        send(member, 'stateChanged', { ...statePayload('publishExpired'), data: { reason: 'publishExpired' } });
      },
      subscribeExpired: () => room.media?.refreshMember(member),
    });
  }

  /** Verifies a token for this app/room/user; the grants it carries, or undefined. */
  #verify(token: string, appKey: string, appId: string, roomId: string, userId: string): MemberGrants | undefined {
    const v = verifyToken(token, { appKey, appId, roomId, userId, now: Math.floor(Date.now() / 1000) });
    if (!v.ok) {
      this.#log.info('token refused', { appId, roomId, userId, reason: v.reason, detail: v.message });
      return undefined;
    }
    return {
      tokenExpireAt: v.token.expireAt,
      publishExpireAt: privilegeExpiry(v.token, Privileges.PublishStream),
      subscribeExpireAt: privilegeExpiry(v.token, Privileges.SubscribeStream),
    };
  }

  /** Replaces the member's token. */
  updateToken(s: SessionPort, token: string, api: string): { tokenExpireAt: number } {
    const { member, room } = this.joined(s, api);
    const app = this.#apps.get(member.appId);
    const grants = app && this.#verify(token, app.appKey, member.appId, member.roomId, member.userId);
    if (!grants) throw new RtcError('updateTokenInvalid', api);
    member.grants = grants;
    member.watch?.renewed();
    // a renewed subscribe privilege brings the streams back
    room.media?.refreshMember(member);
    return { tokenExpireAt: grants.tokenExpireAt };
  }

  /** Makes the member visible or invisible to the others. */
  setVisibility(s: SessionPort, visible: boolean): Record<string, never> {
    const { member, room } = this.joined(s, 'changeUserVisibility');
    if (member.visible === visible) return {};
    if (visible) this.#rooms.checkVisibleRoom(room, 'changeUserVisibility');
    if (!visible) room.media?.unpublishAll(member);
    member.visible = visible;
    room.media?.visibilityChanged(member);
    room.membersChannel.changed();
    room.videoChannel.changed();
    room.screenChannel.changed();
    room.speakersChannel.changed();
    room.activeSpeakersChannel.changed();
    return {};
  }

  /** Leaves the room (`exitRtcRoom`). */
  exit(s: SessionPort, roomId: string): Record<string, never> {
    const m = s.member;
    if (!m || m.roomId !== roomId) throw new RtcError('notInRoom', 'exitRtcRoom', roomId);
    s.member = undefined;
    this.#leave(m, 'exit');
    return {};
  }

  /**
   * Moves a member kept after a lost session to session `s` (the `resumeSession` request): same
   * membership, publications and subscriptions; the reply carries the lists as they are now.
   * An unknown or expired resume token fails with `resumeFailed` (the client joins afresh).
   */
  resume(s: SessionPort, resumeToken: string, api: string): JoinResult {
    if (s.member) throw new RtcError('alreadyInRoom', api, s.member.userId, s.member.roomId);
    const removed = this.#removed.get(resumeToken);
    if (removed) throw new RtcError(removed.code, api, removed.roomId);
    const member = this.#byResumeToken.get(resumeToken);
    const room = member && this.#rooms.room(member.appId, member.roomId);
    if (!member || !room || this.#rooms.memberOf(member.appId, member.userId) !== member) throw new RtcError('resumeFailed', api, 'the session is over');
    // the old session may still look alive (a half-open socket): it lets go without a leave
    const old = member.sink;
    if (old !== s && old !== DETACHED && isSessionPort(old)) {
      old.member = undefined;
      old.detach(CLOSE_CODES.sessionMoved, 'resumed by a new connection');
    }
    member.sink = s;
    member.detachedAt = undefined;
    member.lastSignalAt = performance.now();
    s.member = member;
    room.media?.memberResumed(member);
    // a warning sent while the member was detached was lost: give it again
    const due = member.watch?.warningDue();
    if (due !== undefined) setImmediate(() => send(member, 'tokenWillExpire', willExpireEvent(due)));
    this.#log.info('resumed', { appId: member.appId, roomId: member.roomId, userId: member.userId });
    return this.#result(member, room);
  }

  /**
   * A session ended. `resumable`: it was lost (abnormal close, heartbeat timeout) rather than
   * closed on purpose; its member is then kept, detached, for the resume grace window.
   */
  sessionLost(s: SessionPort, reason: string, resumable: boolean): void {
    const m = s.member;
    if (!m) return;
    s.member = undefined;
    if (m.sink !== s) return;
    if (!resumable || this.#config.resumeGraceMs <= 0) return void this.#leave(m, reason);
    m.sink = DETACHED;
    m.detachedAt = performance.now();
    this.#log.info('session lost, member kept for resume', { appId: m.appId, roomId: m.roomId, userId: m.userId, reason, graceMs: this.#config.resumeGraceMs });
  }

  /**
   * Removes a member on the operator's word: it gets `onRtcChatInterrupted` with `code` (21913
   * kicked, 21914 room closed), leaves at once (its resume token dies with it), and its session is
   * closed with {@link CLOSE_CODES.removed}, which the SDK takes as final (no rejoin).
   */
  remove(m: Member, code: 'kicked' | 'roomClosed', roomId: string): void {
    this.#log.info('member removed by the operator', { appId: m.appId, roomId: m.roomId, userId: m.userId, code });
    send(m, 'interrupted', new RtcError(code, 'onRtcChatInterrupted', roomId).toPayload());
    const now = performance.now();
    for (const [token, r] of this.#removed) if (now - r.at > this.#config.resumeGraceMs) this.#removed.delete(token);
    if (m.resumeToken) this.#removed.set(m.resumeToken, { code, roomId, at: now });
    const s = m.sink;
    this.#leave(m, code === 'kicked' ? 'kicked' : 'room closed');
    if (isSessionPort(s)) s.detach(CLOSE_CODES.removed, code === 'kicked' ? 'removed by the server' : 'room closed by the server');
  }

  #gone(m: Member, reason: string): void {
    this.#log.info('member gone', { appId: m.appId, roomId: m.roomId, userId: m.userId, reason });
    const s = m.sink;
    this.#leave(m, reason);
    if (isSessionPort(s)) s.detach(CLOSE_CODES.heartbeatTimeout, reason);
  }

  #leave(m: Member, reason: string): void {
    if (m.resumeToken) this.#byResumeToken.delete(m.resumeToken);
    this.#rooms.leave(m, reason);
    // the session stays usable (it may join again)
    if (isSessionPort(m.sink) && m.sink.member === m) m.sink.member = undefined;
    m.sink = DETACHED;
  }

  /** Stops the liveness checks (server shutdown). */
  close(): void {
    this.#liveness.close();
  }
}

function isSessionPort(x: MemberSink): x is SessionPort {
  return typeof (x as Partial<SessionPort>).detach === 'function';
}
