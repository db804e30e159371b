/**
 * Getting a lost session back, with no app code. On the schedule of `reconnect.ts`, for up to
 * 60 s: `onRtcStateChanged` 21953 (reconnecting); a new connection **resumes** the same member on
 * the server (nobody else sees a change; media that kept flowing is untouched); when the server
 * has let the member go, it **joins again** with the same token, publishes and subscribes as
 * before on new media connections (the others see a leave and a join); then 21952 (connected).
 * A refused rejoin (token expired, room full …) or the time running out ends in
 * `onRtcChatInterrupted`. In a cluster each attempt tries the room's node, then the other live
 * nodes the join reply listed, then the configured server, so a node that died (`kill -9`) is
 * replaced by a live one with no load balancer; the nodes it could not reach go with the join
 * (`avoidNodes`), so a live node takes the room over without waiting for the dead node's lease.
 * @module
 */
import { RtcError, statePayload, type RtcErrorPayload } from '@rtcroom/protocol/errors';
import { toRtcError } from './errors.ts';
import type { RtcStatePayload } from './events.ts';
import { RECONNECT_GIVE_UP_MS, reconnectDelay } from './reconnect.ts';
import type { RoomSession } from './room-session.ts';
import { SignalClient } from './signal-client.ts';
import { joinFollowingRedirects } from './cluster-join.ts';
import { wsUrl } from './context-helpers.ts';

/** What recovery needs of its context. */
export interface RecoveryHost {
  /** The context's app. */
  readonly appId: string;
  /** The signaling WebSocket URL. */
  readonly url: string;
  /** Whether `session` is still the context's current one (no exit, no destroy meanwhile). */
  current(session: RoomSession): boolean;
  /** `onRtcStateChanged`. */
  emitState(payload: RtcStatePayload): void;
  /** Ends the session with `onRtcChatInterrupted`. */
  interrupt(session: RoomSession, payload: RtcErrorPayload): void;
  /** A media error after the session is back. */
  reportMediaError(e: unknown): void;
  /** A connection recovery opened was lost in turn. */
  onLost(session: RoomSession, reason: string, code: number | undefined): void;
}

/**
 * Recovers `session` (once at a time). `rejoin`: skip the resume (a media connection failed: the
 * server must forget the old one).
 */
export async function recover(host: RecoveryHost, session: RoomSession, reason: string, rejoin = false): Promise<void> {
  if (session.recovering) return;
  session.recovering = true;
  try {
    await loop(host, session, reason, rejoin);
  } finally {
    session.recovering = false;
  }
  // media connections broken by the network change that broke signaling get new paths
  if (host.current(session)) session.restartIce();
}

async function loop(host: RecoveryHost, session: RoomSession, reason: string, rejoin: boolean): Promise<void> {
  const mine = () => host.current(session);
  host.emitState({ ...statePayload('transportReconnecting', 'signaling'), data: { connection: 'signaling', state: 'reconnecting', reason } });
  const started = performance.now();
  const nodes = candidates(host, session);
  // nodes this recovery could not reach (sent with the join: a live node takes their rooms over)
  const avoid = new Set<string>();
  for (let attempt = 0; mine(); attempt++) {
    const wait = reconnectDelay(attempt);
    if (performance.now() - started + wait > RECONNECT_GIVE_UP_MS) break;
    await new Promise((r) => setTimeout(r, wait));
    if (!mine()) return;
    let signal: SignalClient | undefined;
    let url = '';
    for (const node of nodes) {
      try {
        signal = await SignalClient.connect(node.url, { onEvent: (f) => session.onEvent(f), onLost: (r, code) => host.onLost(session, r, code) }, 'joinRtcRoom', nodes.length > 1 ? 2500 : 5000);
        url = node.url;
        break;
      } catch {
        if (node.id) avoid.add(node.id);
      }
    }
    if (!signal) continue;
    if (!mine()) return signal.close();
    try {
      await takeOver(host, session, signal, url, rejoin, avoid);
    } catch (e) {
      signal.close();
      const err = toRtcError(e, 'onRtcChatInterrupted');
      // the server answered but refused: trying again cannot work (token expired, room full, …);
      // a cluster that cannot place the room now may later
      if (err.code !== 'connectionFailed' && err.code !== 'timeout' && err.code !== 'clusterUnavailable') return host.interrupt(session, err.toPayload());
      continue;
    }
    if (!mine()) return;
    host.emitState({ ...statePayload('transportConnected', 'signaling'), data: { connection: 'signaling', state: 'connected' } });
    return;
  }
  if (mine()) host.interrupt(session, new RtcError('connectionFailed', 'onRtcChatInterrupted', `no connection for ${RECONNECT_GIVE_UP_MS} ms (${reason})`).toPayload());
}

/**
 * Where recovery tries, in order: the node holding the room, the other live nodes of the last join
 * reply (a cluster), the configured server. Signaling URLs with node ids where known.
 */
function candidates(host: RecoveryHost, session: RoomSession): { url: string; id: string | undefined }[] {
  const out = new Map<string, string | undefined>();
  const cluster = session.join?.cluster;
  if (session.url) out.set(session.url, cluster?.nodeId);
  for (const n of cluster?.nodes ?? []) {
    try {
      if (!out.has(wsUrl(n.url))) out.set(wsUrl(n.url), n.id);
    } catch {
      // a malformed URL from the server is skipped
    }
  }
  if (!out.has(host.url)) out.set(host.url, undefined);
  return [...out].map(([url, id]) => ({ url, id }));
}

/** Resumes `session` on `signal`, or joins again (on the room's node, in a cluster) when the server let the member go. */
async function takeOver(host: RecoveryHost, session: RoomSession, signal: SignalClient, url: string, rejoin: boolean, avoid: Set<string>): Promise<void> {
  const resumeToken = session.join?.resumeToken;
  if (resumeToken && !rejoin) {
    try {
      const join = await signal.request('resumeSession', { resumeToken }, 'joinRtcRoom');
      session.url = url;
      session.replaceSignal(signal, join);
      session.refreshLists(join);
      // requests lost with the old connection (a publish change) are made again
      await session.sync('joinRtcRoom').catch((e: unknown) => host.reportMediaError(e));
      return;
    } catch (e) {
      if (!(e instanceof RtcError && e.code === 'resumeFailed')) throw e;
    }
  }
  const params = {
    appId: host.appId,
    roomId: session.roomId,
    userId: session.userId,
    token: session.token,
    visible: session.visible,
    roomConfig: { autoPublish: true, autoSubscribe: session.autoSubscribe },
  };
  const handlers = { onEvent: (f: Parameters<RoomSession['onEvent']>[0]) => session.onEvent(f), onLost: (r: string, code: number | undefined) => host.onLost(session, r, code) };
  const joined = await joinFollowingRedirects({ url, opened: signal, connectTimeoutMs: 2500, avoid }, params, handlers);
  if (!host.current(session)) return joined.signal.close();
  const join = joined.join;
  session.url = joined.url;
  session.resetMedia();
  session.replaceSignal(joined.signal, join);
  session.refreshLists(join);
  for (const sub of session.subscriptions.values()) {
    await session.request('setSubscribe', { userId: sub.userId, sources: [sub.source], subscribe: sub.subscribe }, 'joinRtcRoom').catch(() => undefined);
  }
  await session.sync('joinRtcRoom').catch((e: unknown) => host.reportMediaError(e));
}
