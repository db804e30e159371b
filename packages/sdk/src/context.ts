/**
 * `RtcRoomContext`: the Douyin mini-program RTC API on the web.
 * @module
 */
import { RtcError, okMessage } from '@rtcroom/protocol/errors';
import { SIGNAL_PATH } from '@rtcroom/protocol/constants';
import { exitOptionsSchema, joinOptionsSchema, validate, type EventFrame, type JoinResult } from '@rtcroom/protocol';
import { settle, type Callbacks, type OkResult, type WithCallback } from './callbacks.ts';
import { ContextEvents, type ContextEventMap } from './events.ts';
import { SignalClient } from './signal-client.ts';

/** Options of `createRtcRoomContext`. */
export interface CreateRtcRoomContextOptions {
  /** Volcengine-style AppId; contexts of different apps never meet. */
  appId: string;
  /** rtcroom server, e.g. `https://rtc.example.com` (default: the page's origin). */
  server?: string;
}

/** `joinRtcRoom`'s `roomConfig`. */
export interface RoomConfig {
  /** Publish captured audio/video on join (default true). */
  autoPublish?: boolean;
  /** Subscribe to remote audio/video on join (default true). */
  autoSubscribe?: boolean;
}

/** Options of `joinRtcRoom`. */
export interface JoinRtcRoomOptions extends Callbacks {
  /** Room to join. */
  roomId: string;
  /** This user's id. */
  userId: string;
  /** Token minted for appId + roomId + userId. */
  token: string;
  /** Auto publish / subscribe switches. */
  roomConfig?: RoomConfig;
}

/** Options of `exitRtcRoom`. */
export interface ExitRtcRoomOptions extends Callbacks {
  /** Room to leave. */
  roomId: string;
}

type State =
  | { kind: 'idle' }
  | { kind: 'joining'; roomId: string; userId: string }
  | { kind: 'joined'; roomId: string; userId: string; signal: SignalClient; join: JoinResult };

function wsUrl(server: string): string {
  const u = new URL(server);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${SIGNAL_PATH}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/**
 * A room context. Create it with `createRtcRoomContext`; it survives many join/exit cycles.
 * Every async method takes `success`/`fail`/`complete`, or returns a promise when none is given.
 */
export class RtcRoomContext extends ContextEvents {
  /** The app this context belongs to. */
  readonly appId: string;
  /** The server URL (http/https). */
  readonly server: string;
  #state: State = { kind: 'idle' };
  #destroyed = false;

  /** @internal use `createRtcRoomContext` */
  constructor(options: CreateRtcRoomContextOptions) {
    super();
    this.appId = options.appId;
    this.server = options.server ?? globalThis.location?.origin ?? '';
  }

  /** Joins a room. Fails with 21100 while already in a room, 21101 for a bad token, 20000 for bad params. */
  joinRtcRoom(options: JoinRtcRoomOptions & WithCallback): void;
  joinRtcRoom(options: JoinRtcRoomOptions): Promise<OkResult>;
  joinRtcRoom(options: JoinRtcRoomOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('joinRtcRoom', () => this.#join(options)));
  }

  /** Leaves the room. Local capture is left as it is. */
  exitRtcRoom(options: ExitRtcRoomOptions & WithCallback): void;
  exitRtcRoom(options: ExitRtcRoomOptions): Promise<OkResult>;
  exitRtcRoom(options: ExitRtcRoomOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('exitRtcRoom', () => this.#exit(options)));
  }

  /** The room currently joined, if any (web extension). */
  get roomId(): string | undefined {
    return this.#state.kind === 'joined' ? this.#state.roomId : undefined;
  }

  /** The user id of the current room, if any (web extension). */
  get userId(): string | undefined {
    return this.#state.kind === 'joined' ? this.#state.userId : undefined;
  }

  /**
   * Destroys the context (web extension; the mini-program destroys it when the app exits):
   * leaves the room, removes listeners; every later call fails with errorCode 115910.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#state.kind === 'joined') this.#state.signal.close();
    this.#state = { kind: 'idle' };
    this.removeAllListeners();
  }

  async #run(method: string, work: () => Promise<void>): Promise<OkResult> {
    if (this.#destroyed) throw new RtcError('destroyed', method);
    await work();
    return { errMsg: okMessage(method) };
  }

  async #join(options: JoinRtcRoomOptions): Promise<void> {
    const v = validate(joinOptionsSchema, options);
    if (!v.ok) throw new RtcError('paramError', 'joinRtcRoom', v.detail);
    const s = this.#state;
    if (s.kind !== 'idle') throw new RtcError('alreadyInRoom', 'joinRtcRoom', s.userId, s.roomId);
    const { roomId, userId, token, roomConfig } = v.value;
    this.#state = { kind: 'joining', roomId, userId };
    let signal: SignalClient | undefined;
    try {
      signal = await SignalClient.connect(wsUrl(this.server), { onEvent: (f) => this.#onEvent(signal, f), onLost: (r) => this.#onLost(signal, r) }, 'joinRtcRoom');
      const params = { appId: this.appId, roomId, userId, token, ...(roomConfig ? { roomConfig } : {}) };
      const join = await signal.request('joinRtcRoom', params);
      if (this.#destroyed) throw new RtcError('destroyed', 'joinRtcRoom');
      this.#state = { kind: 'joined', roomId, userId, signal, join };
      signal.startHeartbeat(join.heartbeatIntervalMs);
      const joined = signal;
      // the first snapshots follow the join result, as on the mini-program
      setTimeout(() => this.#emitInitial(joined, join), 0);
    } catch (e) {
      signal?.close();
      if (this.#state.kind === 'joining') this.#state = { kind: 'idle' };
      throw e;
    }
  }

  async #exit(options: ExitRtcRoomOptions): Promise<void> {
    const v = validate(exitOptionsSchema, options);
    if (!v.ok) throw new RtcError('paramError', 'exitRtcRoom', v.detail);
    const s = this.#state;
    if (s.kind !== 'joined' || s.roomId !== v.value.roomId) throw new RtcError('notInRoom', 'exitRtcRoom', v.value.roomId);
    this.#state = { kind: 'idle' };
    try {
      await s.signal.request('exitRtcRoom', { roomId: s.roomId });
    } catch (e) {
      // a lost connection already took us out of the room on the server
      if (!(e instanceof RtcError && (e.code === 'connectionFailed' || e.code === 'timeout'))) throw e;
    } finally {
      s.signal.close();
    }
  }

  #current(signal: SignalClient | undefined): boolean {
    return this.#state.kind === 'joined' && this.#state.signal === signal;
  }

  #emitInitial(signal: SignalClient, join: JoinResult): void {
    if (!this.#current(signal)) return;
    this.emitSnapshot('onRtcChatMembersChanged', join.members);
    this.emitSnapshot('onRtcVideoMembersChanged', []);
    this.emitSnapshot('onRtcChatSpeakersChanged', []);
    this.emitSnapshot('onRtcPublishScreenMembersChanged', []);
  }

  #onEvent(signal: SignalClient | undefined, f: EventFrame): void {
    if (!this.#current(signal)) return;
    if (f.event === 'rtcChatMembersChanged') this.emitSnapshot('onRtcChatMembersChanged', f.data.userIdList);
  }

  #onLost(signal: SignalClient | undefined, reason: string): void {
    if (!this.#current(signal)) return;
    this.#state = { kind: 'idle' };
    this.emitEvent('onRtcChatInterrupted', new RtcError('connectionFailed', 'onRtcChatInterrupted', reason).toPayload());
  }
}

export type { ContextEventMap };
