/**
 * What each signaling request does. The session has already validated the params; the member's
 * lifecycle (join, exit, resume, token, visibility) belongs to the {@link JoinService}, media
 * requests go to the room's media (`RoomMedia`: in process, or on a media worker).
 * @module
 */
import { RtcError, type RequestMethod, type RequestParams, type RequestResults } from '@rtcroom/protocol';
import type { ServerConfig } from '../config.ts';
import type { JoinService, SessionPort } from '../room/join-service.ts';

type HandlerTable = {
  [M in RequestMethod]: (s: SessionPort, params: RequestParams<M>, api: string) => RequestResults[M] | Promise<RequestResults[M]>;
};

/** Dispatches validated requests. */
export class Handlers {
  readonly #table: HandlerTable;

  constructor(joins: JoinService, config: ServerConfig) {
    this.#table = {
      ping: () => ({ serverTime: Date.now() }),
      joinRtcRoom: (s, p) => joins.join(s, p),
      resumeSession: (s, p, api) => joins.resume(s, p.resumeToken, api),
      exitRtcRoom: (s, p) => joins.exit(s, p.roomId),
      updateToken: (s, p, api) => joins.updateToken(s, p.token, api),
      setVisibility: (s, p) => joins.setVisibility(s, p.visible),
      publisherOffer: async (s, p, api) => {
        const { member, room } = joins.joined(s, api);
        const denied = member.publishDenied();
        if (denied) throw new RtcError('noPublishPermission', api, denied);
        return { sdp: await joins.media(room, api).publisherOffer(member, p.sdp, p.sources, api) };
      },
      setPublish: async (s, p, api) => {
        const { member, room } = joins.joined(s, api);
        const denied = p.publish ? member.publishDenied() : undefined;
        if (denied) throw new RtcError('noPublishPermission', api, denied);
        const media = joins.media(room, api);
        const max = config.maxPublishers;
        if (p.publish && !media.isPublishing(member) && media.publisherCount() >= max) throw new RtcError('tooManyPublishers', api, room.roomId, max);
        await media.setPublish(member, p.sources, p.publish);
        return {};
      },
      subscriberAnswer: async (s, p, api) => {
        const { member, room } = joins.joined(s, api);
        await joins.media(room, api).subscriberAnswer(member, p.offerId, p.sdp);
        return {};
      },
      restartSubscriberIce: async (s, _p, api) => {
        const { member, room } = joins.joined(s, api);
        await joins.media(room, api).restartSubscriberIce(member);
        return {};
      },
      setViews: async (s, p, api) => {
        const { member, room } = joins.joined(s, api);
        await joins.media(room, api).setViews(member, p.views);
        return {};
      },
      setSubscribe: async (s, p, api) => {
        const { member, room } = joins.joined(s, api);
        const denied = p.subscribe ? member.subscribeDenied() : undefined;
        if (denied) throw new RtcError('noSubscribePermission', api, denied);
        await joins.media(room, api).setSubscribe(member, p.userId, p.sources, p.subscribe);
        return {};
      },
    };
  }

  /** Runs `method`; throws {@link RtcError} on failure. `api` is the Douyin name used in errors. */
  handle<M extends RequestMethod>(session: SessionPort, method: M, params: unknown, api: string = method): RequestResults[M] | Promise<RequestResults[M]> {
    const fn = this.#table[method] as (s: SessionPort, p: unknown, api: string) => RequestResults[M] | Promise<RequestResults[M]>;
    return fn(session, params, api);
  }
}
