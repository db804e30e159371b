/**
 * What each signaling request does. The session has already validated the params.
 * @module
 */
import { RtcError, statePayload, type RequestMethod, type RequestParams, type RequestResults } from '@rtcroom/protocol';
import { Privileges, privilegeExpiry, verifyToken } from '@rtcroom/token';
import type { AppRegistry } from '../apps/registry.ts';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { RoomManager } from '../room/room-manager.ts';
import type { Member, MemberGrants } from '../room/member.ts';
import { TokenWatch, expiryMs } from '../room/token-watch.ts';
import type { Room } from '../room/room.ts';
import { Router } from '../media/router.ts';
import type { MediaNetwork } from '../media/codecs.ts';
import type { Session } from './session.ts';

type HandlerTable = {
  [M in RequestMethod]: (s: Session, params: RequestParams<M>, api: string) => RequestResults[M] | Promise<RequestResults[M]>;
};

/** Dispatches validated requests to the room layer. */
export class Handlers {
  readonly #apps: AppRegistry;
  readonly #rooms: RoomManager;
  readonly #config: ServerConfig;
  readonly #log: Logger;
  readonly #table: HandlerTable;
  readonly #media: MediaNetwork;

  constructor(apps: AppRegistry, rooms: RoomManager, config: ServerConfig, log: Logger) {
    this.#apps = apps;
    this.#rooms = rooms;
    this.#config = config;
    this.#log = log;
    this.#media = config.media;
    this.#table = {
      ping: () => ({ serverTime: Date.now() }),
      joinRtcRoom: (s, p) => this.#join(s, p),
      exitRtcRoom: (s, p) => this.#exit(s, p),
      publisherOffer: async (s, p, api) => {
        const { member, room } = this.#joined(s, api);
        const denied = member.publishDenied();
        if (denied) throw new RtcError('noPublishPermission', api, denied);
        return { sdp: await this.#router(room).publisherOffer(member, p.sdp, p.sources, api) };
      },
      setPublish: (s, p, api) => {
        const { member, room } = this.#joined(s, api);
        const denied = p.publish ? member.publishDenied() : undefined;
        if (denied) throw new RtcError('noPublishPermission', api, denied);
        const router = this.#router(room);
        const max = this.#config.maxPublishers;
        if (p.publish && !router.isPublishing(member) && router.publisherCount() >= max) throw new RtcError('tooManyPublishers', api, room.roomId, max);
        router.setPublish(member, p.sources, p.publish);
        return {};
      },
      subscriberAnswer: async (s, p, api) => {
        const { member, room } = this.#joined(s, api);
        await this.#router(room).subscriberAnswer(member, p.offerId, p.sdp);
        return {};
      },
      updateToken: (s, p, api) => this.#updateToken(s, p.token, api),
      setVisibility: (s, p) => this.#setVisibility(s, p.visible),
      setSubscribe: (s, p, api) => {
        const { member, room } = this.#joined(s, api);
        const denied = p.subscribe ? member.subscribeDenied() : undefined;
        if (denied) throw new RtcError('noSubscribePermission', api, denied);
        this.#router(room).setSubscribe(member, p.userId, p.sources, p.subscribe);
        return {};
      },
    };
  }

  /** Runs `method`; throws {@link RtcError} on failure. `api` is the Douyin name used in errors. */
  handle<M extends RequestMethod>(session: Session, method: M, params: unknown, api: string = method): RequestResults[M] | Promise<RequestResults[M]> {
    const fn = this.#table[method] as (s: Session, p: unknown, api: string) => RequestResults[M] | Promise<RequestResults[M]>;
    return fn(session, params, api);
  }

  #joined(s: Session, api: string): { member: Member; room: Room } {
    const member = s.member;
    const room = member && this.#rooms.room(member.appId, member.roomId);
    if (!member || !room) throw new RtcError('notInRoom', api, 'any room');
    return { member, room };
  }

  #router(room: Room): Router {
    if (!room.media) room.media = new Router(room, this.#media, this.#config.speakers, this.#log);
    return room.media as Router;
  }

  #join(s: Session, p: RequestParams<'joinRtcRoom'>): RequestResults['joinRtcRoom'] {
    if (s.member) throw new RtcError('alreadyInRoom', 'joinRtcRoom', s.member.userId, s.member.roomId);
    const app = this.#apps.get(p.appId);
    if (!app) {
      this.#log.info('join refused: unknown appId', { appId: p.appId });
      throw new RtcError('invalidToken', 'joinRtcRoom');
    }
    const grants = this.#verify(p.token, app.appKey, p.appId, p.roomId, p.userId);
    if (!grants) throw new RtcError('invalidToken', 'joinRtcRoom');
    const { member, room } = this.#rooms.join({ appId: p.appId, roomId: p.roomId, userId: p.userId, sink: s, grants, visible: p.visible ?? true });
    s.member = member;
    member.autoSubscribe = p.roomConfig?.autoSubscribe ?? true;
    // the token's timers start after the join reply is out, so a token already inside its last
    // 30 s warns after the app knows it joined (an event before the reply would be dropped)
    setImmediate(() => {
      if (this.#rooms.memberOf(member.appId, member.userId) !== member) return;
      member.watch = new TokenWatch(() => member.grants, this.#config.tokenWillExpireLeadMs, {
        willExpire: (expireAt) => s.sendEvent('tokenWillExpire', { expireAt, inSeconds: Math.max(0, Math.round((expiryMs(expireAt) - Date.now()) / 1000)) }),
        expired: () => {
          this.#log.info('token expired', { appId: member.appId, roomId: member.roomId, userId: member.userId });
          s.sendEvent('interrupted', new RtcError('tokenExpired', 'onRtcChatInterrupted').toPayload());
          this.#rooms.leave(member, 'token expired');
          if (s.member === member) s.member = undefined;
        },
        publishExpired: () => {
          (room.media as Router | undefined)?.unpublishAll(member);
          s.sendEvent('stateChanged', { ...statePayload('publishExpired'), data: { reason: 'publishExpired' } });
        },
        subscribeExpired: () => (room.media as Router | undefined)?.refreshMember(member),
      });
    });
    if (room.media) (room.media as Router).memberJoined(member);
    this.#log.debug('joined', { appId: p.appId, roomId: p.roomId, userId: p.userId });
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
      tokenExpireAt: grants.tokenExpireAt,
    };
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

  #updateToken(s: Session, token: string, api: string): RequestResults['updateToken'] {
    const { member, room } = this.#joined(s, api);
    const app = this.#apps.get(member.appId);
    const grants = app && this.#verify(token, app.appKey, member.appId, member.roomId, member.userId);
    if (!grants) throw new RtcError('updateTokenInvalid', api);
    member.grants = grants;
    member.watch?.renewed();
    // a renewed subscribe privilege brings the streams back
    (room.media as Router | undefined)?.refreshMember(member);
    return { tokenExpireAt: grants.tokenExpireAt };
  }

  #setVisibility(s: Session, visible: boolean): RequestResults['setVisibility'] {
    const { member, room } = this.#joined(s, 'changeUserVisibility');
    if (member.visible === visible) return {};
    const router = room.media as Router | undefined;
    if (visible) this.#rooms.checkVisibleRoom(room, 'changeUserVisibility');
    if (!visible) router?.unpublishAll(member);
    member.visible = visible;
    room.membersChannel.changed();
    room.videoChannel.changed();
    room.screenChannel.changed();
    room.speakersChannel.changed();
    room.activeSpeakersChannel.changed();
    return {};
  }

  #exit(s: Session, p: RequestParams<'exitRtcRoom'>): RequestResults['exitRtcRoom'] {
    const m = s.member;
    if (!m || m.roomId !== p.roomId) throw new RtcError('notInRoom', 'exitRtcRoom', p.roomId);
    this.#rooms.leave(m, 'exit');
    s.member = undefined;
    return {};
  }
}
