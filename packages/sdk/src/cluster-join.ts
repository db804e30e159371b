/**
 * Joining in a cluster: a node that does not hold the room answers `joinRtcRoom` with a redirect
 * to the node that does; the SDK connects there and joins again (nothing happened on the first
 * node). A single server never redirects, so this is the plain join there.
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';
import { isJoinRedirect, type JoinResult, type RequestParams } from '@rtcroom/protocol';
import { wsUrl } from './context-helpers.ts';
import { SignalClient, type SignalHandlers } from './signal-client.ts';

/** Redirects followed at most (the room's node never redirects again unless the room moved meanwhile). */
const MAX_REDIRECTS = 3;

/** A join that succeeded: its connection, the reply and the signaling URL of the node holding the room. */
export interface Joined {
  signal: SignalClient;
  join: JoinResult;
  url: string;
}

/** How to join: the first connection and where it goes. */
export interface JoinRoute {
  /** Signaling (ws/wss) URL of the node to ask first. */
  url: string;
  /**
   * An open connection to `url`, used instead of a new one (a socket opened ahead of the join:
   * when it turns out closed by the time the join is sent, the join connects again, once).
   */
  opened?: SignalClient;
  /** Connection timeout per node (ms). */
  connectTimeoutMs?: number;
  /**
   * Ids of nodes the client could not reach, sent as `avoidNodes`. A redirect target that cannot
   * be reached is added and the join asks the first node again, once (it checks that node itself
   * and takes the room over when it is dead too); then it fails with `connectionFailed`.
   */
  avoid?: Set<string>;
}

/** Joins the room through `route`, following redirects to the room's node. */
export async function joinFollowingRedirects(route: JoinRoute, params: RequestParams<'joinRtcRoom'>, handlers: SignalHandlers): Promise<Joined> {
  let url = route.url;
  let signal = route.opened;
  let warm = route.opened;
  const avoid = route.avoid ?? new Set<string>();
  let askedAgain = false;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    signal ??= await SignalClient.connect(url, handlers, 'joinRtcRoom', route.connectTimeoutMs);
    let reply;
    try {
      reply = await signal.request('joinRtcRoom', avoid.size > 0 ? { ...params, avoidNodes: [...avoid] } : params);
    } catch (e) {
      signal.close();
      const warmLost = signal === warm && e instanceof RtcError && e.code === 'connectionFailed';
      if (!warmLost) throw e;
      warm = undefined;
      signal = undefined;
      hop--;
      continue;
    }
    if (!isJoinRedirect(reply)) return { signal, join: reply, url };
    signal.close();
    signal = undefined;
    url = wsUrl(reply.redirect.url);
    try {
      signal = await SignalClient.connect(url, handlers, 'joinRtcRoom', route.connectTimeoutMs);
    } catch (e) {
      avoid.add(reply.redirect.id);
      if (askedAgain) throw e;
      askedAgain = true;
      url = route.url;
    }
  }
  signal?.close();
  throw new RtcError('joinFailed', 'joinRtcRoom', `the room moved more than ${MAX_REDIRECTS} times during the join`);
}
