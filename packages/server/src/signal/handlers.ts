/**
 * What each signaling request does. The session has already validated the params.
 * @module
 */
import { RtcError, type RequestMethod, type RequestParams, type RequestResults } from '@rtcroom/protocol';
import { Privileges, privilegeExpiry, verifyToken } from '@rtcroom/token';
import type { AppRegistry } from '../apps/registry.ts';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { RoomManager } from '../room/room-manager.ts';
import type { Session } from './session.ts';

type HandlerTable = {
  [M in RequestMethod]: (s: Session, params: RequestParams<M>) => RequestResults[M] | Promise<RequestResults[M]>;
};

/** Dispatches validated requests to the room layer. */
export class Handlers {
  readonly #apps: AppRegistry;
  readonly #rooms: RoomManager;
  readonly #config: ServerConfig;
  readonly #log: Logger;
  readonly #table: HandlerTable;

  constructor(apps: AppRegistry, rooms: RoomManager, config: ServerConfig, log: Logger) {
    this.#apps = apps;
    this.#rooms = rooms;
    this.#config = config;
    this.#log = log;
    this.#table = {
      ping: () => ({ serverTime: Date.now() }),
      joinRtcRoom: (s, p) => this.#join(s, p),
      exitRtcRoom: (s, p) => this.#exit(s, p),
    };
  }

  /** Runs `method`; throws {@link RtcError} on failure. */
  handle<M extends RequestMethod>(session: Session, method: M, params: unknown): RequestResults[M] | Promise<RequestResults[M]> {
    const fn = this.#table[method] as (s: Session, p: unknown) => RequestResults[M] | Promise<RequestResults[M]>;
    return fn(session, params);
  }

  #join(s: Session, p: RequestParams<'joinRtcRoom'>): RequestResults['joinRtcRoom'] {
    if (s.member) throw new RtcError('alreadyInRoom', 'joinRtcRoom', s.member.userId, s.member.roomId);
    const app = this.#apps.get(p.appId);
    if (!app) {
      this.#log.info('join refused: unknown appId', { appId: p.appId });
      throw new RtcError('invalidToken', 'joinRtcRoom');
    }
    const v = verifyToken(p.token, {
      appKey: app.appKey,
      appId: p.appId,
      roomId: p.roomId,
      userId: p.userId,
      now: Math.floor(Date.now() / 1000),
    });
    if (!v.ok) {
      this.#log.info('join refused: token', { appId: p.appId, roomId: p.roomId, userId: p.userId, reason: v.reason, detail: v.message });
      throw new RtcError('invalidToken', 'joinRtcRoom');
    }
    const { member, room } = this.#rooms.join({
      appId: p.appId,
      roomId: p.roomId,
      userId: p.userId,
      sink: s,
      grants: {
        tokenExpireAt: v.token.expireAt,
        publishExpireAt: privilegeExpiry(v.token, Privileges.PublishStream),
        subscribeExpireAt: privilegeExpiry(v.token, Privileges.SubscribeStream),
      },
    });
    s.member = member;
    this.#log.debug('joined', { appId: p.appId, roomId: p.roomId, userId: p.userId });
    return {
      roomId: room.roomId,
      userId: member.userId,
      members: room.userIdList(),
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.#config.heartbeatTimeoutMs,
      tokenExpireAt: v.token.expireAt,
    };
  }

  #exit(s: Session, p: RequestParams<'exitRtcRoom'>): RequestResults['exitRtcRoom'] {
    const m = s.member;
    if (!m || m.roomId !== p.roomId) throw new RtcError('notInRoom', 'exitRtcRoom', p.roomId);
    this.#rooms.leave(m, 'exit');
    s.member = undefined;
    return {};
  }
}
