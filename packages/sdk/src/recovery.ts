/**
 * Getting a lost session back, with no app code. On the schedule of `reconnect.ts`, for up to
 * 60 s: `onRtcStateChanged` 21953 (reconnecting); a new connection **resumes** the same member on
 * the server (nobody else sees a change; media that kept flowing is untouched); when the server
 * has let the member go, it **joins again** with the same token, publishes and subscribes as
 * before on new media connections (the others see a leave and a join); then 21952 (connected).
 * A refused rejoin (token expired, room full …) or the time running out ends in
 * `onRtcChatInterrupted`.
 * @module
 */
import { RtcError, statePayload, type RtcErrorPayload } from '@rtcroom/protocol/errors';
import { toRtcError } from './errors.ts';
import type { RtcStatePayload } from './events.ts';
import { RECONNECT_GIVE_UP_MS, reconnectDelay } from './reconnect.ts';
import type { RoomSession } from './room-session.ts';
import { SignalClient } from './signal-client.ts';

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
  for (let attempt = 0; mine(); attempt++) {
    const wait = reconnectDelay(attempt);
    if (performance.now() - started + wait > RECONNECT_GIVE_UP_MS) break;
    await new Promise((r) => setTimeout(r, wait));
    if (!mine()) return;
    let signal: SignalClient;
    try {
      signal = await SignalClient.connect(host.url, { onEvent: (f) => session.onEvent(f), onLost: (r, code) => host.onLost(session, r, code) }, 'joinRtcRoom', 5000);
    } catch {
      continue;
    }
    if (!mine()) return signal.close();
    try {
      await takeOver(host, session, signal, rejoin);
    } catch (e) {
      signal.close();
      const err = toRtcError(e, 'onRtcChatInterrupted');
      // the server answered but refused: trying again cannot work (token expired, room full, …)
      if (err.code !== 'connectionFailed' && err.code !== 'timeout') return host.interrupt(session, err.toPayload());
      continue;
    }
    if (!mine()) return;
    host.emitState({ ...statePayload('transportConnected', 'signaling'), data: { connection: 'signaling', state: 'connected' } });
    return;
  }
  if (mine()) host.interrupt(session, new RtcError('connectionFailed', 'onRtcChatInterrupted', `no connection for ${RECONNECT_GIVE_UP_MS} ms (${reason})`).toPayload());
}

/** Resumes `session` on `signal`, or joins again on it when the server let the member go. */
async function takeOver(host: RecoveryHost, session: RoomSession, signal: SignalClient, rejoin: boolean): Promise<void> {
  const resumeToken = session.join?.resumeToken;
  if (resumeToken && !rejoin) {
    try {
      const join = await signal.request('resumeSession', { resumeToken }, 'joinRtcRoom');
      session.replaceSignal(signal, join);
      session.refreshLists(join);
      // requests lost with the old connection (a publish change) are made again
      await session.sync('joinRtcRoom').catch((e: unknown) => host.reportMediaError(e));
      return;
    } catch (e) {
      if (!(e instanceof RtcError && e.code === 'resumeFailed')) throw e;
    }
  }
  const join = await signal.request('joinRtcRoom', {
    appId: host.appId,
    roomId: session.roomId,
    userId: session.userId,
    token: session.token,
    visible: session.visible,
    roomConfig: { autoPublish: true, autoSubscribe: session.autoSubscribe },
  });
  session.resetMedia();
  session.replaceSignal(signal, join);
  session.refreshLists(join);
  for (const sub of session.subscriptions.values()) {
    await session.request('setSubscribe', { userId: sub.userId, sources: [sub.source], subscribe: sub.subscribe }, 'joinRtcRoom').catch(() => undefined);
  }
  await session.sync('joinRtcRoom').catch((e: unknown) => host.reportMediaError(e));
}
