/**
 * `RtcRoomContext`: the Douyin mini-program RTC API on the web. Method bodies are promise
 * cores; the callback style is the thin adapter in `callbacks.ts`.
 * @module
 */
import { RtcError, okMessage, statePayload, type RtcErrorPayload } from '@rtcroom/protocol/errors';
import { CLOSE_CODES, sourcesOf } from '@rtcroom/protocol/constants';
import {
  captureOptionsSchema,
  joinOptionsSchema,
  publishStateOptionsSchema,
  subscribeStateOptionsSchema,
  updateTokenOptionsSchema,
  visibilityOptionsSchema,
} from '@rtcroom/protocol';
import { settle, type Callbacks, type OkResult, type WithCallback } from './callbacks.ts';
import { bindMethods, check, encoderSchema, engine, exitSchema, playbackSchema, screenSchema, switchCameraSchema, wsUrl } from './context-helpers.ts';
import { toRtcError } from './errors.ts';
import { recover, type RecoveryHost } from './recovery.ts';
import { ContextEvents } from './events.ts';
import { bitrateFor, LocalCapture, type VideoProfile } from './media/capture.ts';
import { streams } from './media/streams.ts';
import { RoomSession } from './room-session.ts';
import { joinFollowingRedirects } from './cluster-join.ts';
import type { SignalHandlers } from './signal-client.ts';
import { WarmSignal } from './warm-signal.ts';
import { prepareCertificate } from './media/certificate.ts';
import type {
  AudioPlaybackDeviceOptions,
  CaptureOptions,
  CreateRtcRoomContextOptions,
  ExitRtcRoomOptions,
  JoinRtcRoomOptions,
  MediaStats,
  PublishScreenOptions,
  PublishStateOptions,
  SubscribeStateOptions,
  SwitchCameraOptions,
  UpdateTokenOptions,
  UserVisibilityOptions,
  VideoEncoderConfigOptions,
} from './options.ts';



/**
 * A room context. Create it with `createRtcRoomContext`; it survives many join/exit cycles.
 * Every async method takes `success`/`fail`/`complete`, or returns a promise when none is given.
 */
export class RtcRoomContext extends ContextEvents {
  /** The app this context belongs to. */
  readonly appId: string;
  /** The server URL (http/https). */
  readonly server: string;
  /** What `onRtcChatSpeakersChanged` lists (see {@link CreateRtcRoomContextOptions.speakersEvent}). */
  readonly speakersEvent: 'audio' | 'voice';
  /** Whether the camera is sent as simulcast layers (see {@link CreateRtcRoomContextOptions.simulcast}). */
  readonly simulcast: boolean;
  /** Which ICE candidates media may use (see {@link CreateRtcRoomContextOptions.iceTransportPolicy}). */
  readonly iceTransportPolicy: 'all' | 'relay';
  /** Local capture (camera, microphone, screen); it outlives joins. */
  readonly capture = new LocalCapture();
  #session: RoomSession | undefined;
  /** The join in progress, if any (`exitRtcRoom` waits for it). */
  #joining: Promise<unknown> | undefined;
  #destroyed = false;
  #playbackDevice: 'speakerphone' | 'earpiece' = 'speakerphone';
  #visible = true;
  /** What recovery (`recovery.ts`) needs of this context. */
  readonly #recoveryHost: RecoveryHost;
  /** `changeStreamPublishState` called before joining: applies to the next join (then autoPublish decides the rest). */
  #preJoinIntent: Partial<Record<'audio' | 'video', boolean>> = {};
  /** The signaling socket opened at creation for the first join (`preconnect`). */
  #warm: WarmSignal | undefined;

  /** @internal use `createRtcRoomContext` */
  constructor(options: CreateRtcRoomContextOptions) {
    super();
    bindMethods(this);
    this.appId = options.appId;
    this.server = options.server ?? globalThis.location?.origin ?? '';
    this.speakersEvent = options.speakersEvent ?? 'audio';
    this.simulcast = options.simulcast ?? true;
    this.iceTransportPolicy = options.iceTransportPolicy ?? 'all';
    if (options.preconnect ?? true) this.#warm = new WarmSignal(wsUrl(this.server));
    // the first media connection then does not make its key on the join's path
    prepareCertificate();
    this.#recoveryHost = {
      appId: this.appId,
      url: wsUrl(this.server),
      current: (session) => this.#session === session && !this.#destroyed,
      emitState: (payload) => this.emitEvent('onRtcStateChanged', payload),
      interrupt: (session, payload) => this.#interrupt(session, payload),
      reportMediaError: (e) => this.#reportMediaError(e),
      onLost: (session, reason, code) => this.#onLost(session, reason, code),
    };
    streams.setLocal(this.capture);
    this.capture.addEventListener('trackended', (ev) => {
      const { kind, label } = (ev as CustomEvent<{ kind: 'audio' | 'video'; label: string }>).detail;
      const s = this.#session;
      if (!s?.join) return;
      this.emitEvent('onRtcStateChanged', { ...statePayload(kind === 'video' ? 'cameraLost' : 'microphoneLost', label || 'track ended'), data: { kind } });
      void s.sync(kind === 'video' ? 'changeVideoCapture' : 'changeAudioCapture').catch(() => undefined);
    });
  }

  /** The room currently joined, if any (web extension). */
  get roomId(): string | undefined {
    return this.#session?.join ? this.#session.roomId : undefined;
  }

  /** The user id of the current room, if any (web extension). */
  get userId(): string | undefined {
    return this.#session?.join ? this.#session.userId : undefined;
  }

  /** The speaker route chosen with `setAudioPlaybackDevice`. */
  get audioPlaybackDevice(): 'speakerphone' | 'earpiece' {
    return this.#playbackDevice;
  }

  /** Joins a room. Fails with 21100 while already in a room, 21101 for a bad token, 20000 for bad params. */
  joinRtcRoom(options: JoinRtcRoomOptions & WithCallback): void;
  joinRtcRoom(options: JoinRtcRoomOptions): Promise<OkResult>;
  joinRtcRoom(options: JoinRtcRoomOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('joinRtcRoom', () => {
      const join = this.#join(options);
      const pending = join.catch(() => undefined).then(() => {
        if (this.#joining === pending) this.#joining = undefined;
      });
      this.#joining = pending;
      return join;
    }));
  }

  /**
   * Leaves the room the context is in, whatever `roomId` says (real call code joins `call_<id>`
   * and exits with `<id>`); waits for a join in progress; succeeds when not in a room. Local
   * capture is left as it is.
   */
  exitRtcRoom(options: ExitRtcRoomOptions & WithCallback): void;
  exitRtcRoom(options: ExitRtcRoomOptions): Promise<OkResult>;
  exitRtcRoom(options: ExitRtcRoomOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('exitRtcRoom', () => this.#exit(options)));
  }

  /** Starts (`state: 1`) or stops (`0`) the microphone; works before joining. Refusal → 10200. */
  changeAudioCapture(options: CaptureOptions & WithCallback): void;
  changeAudioCapture(options: CaptureOptions): Promise<OkResult>;
  changeAudioCapture(options: CaptureOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('changeAudioCapture', async () => {
      const { state } = check(captureOptionsSchema, options, 'changeAudioCapture');
      await this.capture.setAudio(state === 1);
      await this.#session?.sync('changeAudioCapture');
    }));
  }

  /** Starts (`state: 1`) or stops (`0`) the camera; works before joining. Refusal → 10200. */
  changeVideoCapture(options: CaptureOptions & WithCallback): void;
  changeVideoCapture(options: CaptureOptions): Promise<OkResult>;
  changeVideoCapture(options: CaptureOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('changeVideoCapture', async () => {
      const { state } = check(captureOptionsSchema, options, 'changeVideoCapture');
      await this.capture.setVideo(state === 1);
      await this.#session?.sync('changeVideoCapture');
    }));
  }

  /** Publishes (`state: 1`) or unpublishes (`0`) the camera stream's audio, video or both. */
  changeStreamPublishState(options: PublishStateOptions & WithCallback): void;
  changeStreamPublishState(options: PublishStateOptions): Promise<OkResult>;
  changeStreamPublishState(options: PublishStateOptions): Promise<OkResult> | undefined {
    const api = 'changeStreamPublishState';
    return settle(options, this.#run(api, async () => {
      const { state, streamType } = check(publishStateOptionsSchema, options, api);
      const s = this.#session?.join ? this.#session : undefined;
      if (!s) {
        // before joining (as call code often does): remembered for the join
        for (const source of sourcesOf(streamType, false)) this.#preJoinIntent[source as 'audio' | 'video'] = state === 1;
        return;
      }
      const denied = state === 1 ? s.publishDenied() : undefined;
      if (denied) throw new RtcError('noPublishPermission', api, denied);
      for (const source of sourcesOf(streamType, false)) s.intent[source as 'audio' | 'video'] = state === 1;
      await s.sync(api);
    }));
  }

  /** Subscribes (`state: 1`) to or unsubscribes (`0`) from a remote user's camera stream. */
  changeStreamSubscribeState(options: SubscribeStateOptions & WithCallback): void;
  changeStreamSubscribeState(options: SubscribeStateOptions): Promise<OkResult>;
  changeStreamSubscribeState(options: SubscribeStateOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('changeStreamSubscribeState', () => this.#subscribe(options, false)));
  }

  /** Subscribes (`state: 1`) to or unsubscribes (`0`) from a remote user's screen share. */
  changeScreenSubscribeState(options: SubscribeStateOptions & WithCallback): void;
  changeScreenSubscribeState(options: SubscribeStateOptions): Promise<OkResult>;
  changeScreenSubscribeState(options: SubscribeStateOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('changeScreenSubscribeState', () => this.#subscribe(options, true)));
  }

  async #subscribe(options: SubscribeStateOptions, screen: boolean): Promise<void> {
    const api = screen ? 'changeScreenSubscribeState' : 'changeStreamSubscribeState';
    const { state, userId, streamType } = check(subscribeStateOptionsSchema, options, api, screen ? 'screenParamError' : 'paramError');
    const s = this.#joined(api);
    const sources = sourcesOf(streamType, screen);
    await s.request('setSubscribe', { userId, sources, subscribe: state === 1 }, api);
    for (const source of sources) s.subscriptions.set(`${userId}/${source}`, { userId, source, subscribe: state === 1 });
  }

  /** Switches between the front and back camera. */
  switchCamera(options: SwitchCameraOptions & WithCallback): void;
  switchCamera(options: SwitchCameraOptions): Promise<OkResult>;
  switchCamera(options: SwitchCameraOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('switchCamera', async () => {
      const { camera } = check(switchCameraSchema, options, 'switchCamera', 'cameraParamError');
      await this.capture.switchCamera(camera);
      await this.#session?.sync('switchCamera');
    }));
  }

  /** Sets the camera's maximum resolution and frame rate (default 640×360 @ 15). */
  setVideoEncoderConfig(options: VideoEncoderConfigOptions & WithCallback): void;
  setVideoEncoderConfig(options: VideoEncoderConfigOptions): Promise<OkResult>;
  setVideoEncoderConfig(options: VideoEncoderConfigOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('setVideoEncoderConfig', async () => {
      const { maxSolution } = check(encoderSchema, options, 'setVideoEncoderConfig');
      const profile: VideoProfile = { width: maxSolution.width, height: maxSolution.height, frameRate: maxSolution.frameRate };
      await this.capture.setProfile(profile);
      if (this.#session) {
        this.#session.publisher.maxBitrate.video = bitrateFor(profile);
        await this.#session.sync('setVideoEncoderConfig');
      }
    }));
  }

  /**
   * Chooses the audio route. On the web this picks an output device with `setSinkId` where
   * the browser has it (an "earpiece"/"receiver" device for `earpiece`, the default otherwise);
   * elsewhere the choice is remembered.
   */
  setAudioPlaybackDevice(options: AudioPlaybackDeviceOptions & WithCallback): void;
  setAudioPlaybackDevice(options: AudioPlaybackDeviceOptions): Promise<OkResult>;
  setAudioPlaybackDevice(options: AudioPlaybackDeviceOptions): Promise<OkResult> | undefined {
    return settle(options, this.#run('setAudioPlaybackDevice', async () => {
      const { device } = check(playbackSchema, options, 'setAudioPlaybackDevice');
      this.#playbackDevice = device;
      await this.#applySink();
    }));
  }

  async #applySink(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    let id = '';
    if (this.#playbackDevice === 'earpiece') {
      const devices = await globalThis.navigator?.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
      id = devices.find((d) => d.kind === 'audiooutput' && /earpiece|receiver|handset|听筒/i.test(d.label))?.deviceId ?? '';
    }
    await s.subscriber.setSinkId(id);
  }

  /**
   * Shares the screen (`state: 1`, via `getDisplayMedia`, or the given `track`) or stops (`0`).
   * Web extension: the mini-program can only receive screen shares; the web can send them.
   */
  publishScreen(options: PublishScreenOptions & WithCallback): void;
  publishScreen(options: PublishScreenOptions): Promise<OkResult>;
  publishScreen(options: PublishScreenOptions): Promise<OkResult> | undefined {
    const api = 'publishScreen';
    return settle(options, this.#run(api, async () => {
      const { state, audio } = check(screenSchema, options, api);
      const s = this.#joined(api);
      const denied = state === 1 ? s.publishDenied() : undefined;
      if (denied) throw new RtcError('noPublishPermission', api, denied);
      await this.capture.setScreen(state === 1, { audio: audio ?? false, ...(options.track ? { track: options.track } : {}) });
      s.screen = state === 1;
      await s.sync(api);
    }));
  }

  /** Replaces the token of the current room (after `onRoomTokenWillExpire`). Wrong token → 21101 / 115902. */
  updateToken(options: UpdateTokenOptions & WithCallback): void;
  updateToken(options: UpdateTokenOptions): Promise<OkResult>;
  updateToken(options: UpdateTokenOptions): Promise<OkResult> | undefined {
    const api = 'updateToken';
    return settle(options, this.#run(api, async () => {
      const { token } = check(updateTokenOptionsSchema, options, api);
      const s = this.#joined(api);
      await s.request('updateToken', { token }, api);
      s.token = token;
      if (s.publishRevoked) {
        s.publishRevoked = false;
        await s.sync(api);
      }
    }));
  }

  /**
   * Becomes invisible (`visible: false`: absent from everyone else's lists, cannot publish, still
   * receives) or visible again. Callable before and after joining.
   */
  changeUserVisibility(options: UserVisibilityOptions & WithCallback): void;
  changeUserVisibility(options: UserVisibilityOptions): Promise<OkResult>;
  changeUserVisibility(options: UserVisibilityOptions): Promise<OkResult> | undefined {
    const api = 'changeUserVisibility';
    return settle(options, this.#run(api, async () => {
      const { visible } = check(visibilityOptionsSchema, options, api);
      this.#visible = visible;
      const s = this.#session;
      if (!s?.join) return;
      s.visible = visible;
      if (!visible) await s.sync(api); // stop sending first
      await s.request('setVisibility', { visible }, api);
      if (visible) await s.sync(api);
    }));
  }

  /** Connection statistics of the publisher and subscriber connections (web extension). */
  async getStats(): Promise<MediaStats> {
    const s = this.#session;
    return {
      publisher: (await s?.publisher.pc?.getStats()) ?? undefined,
      subscriber: (await s?.subscriber.pc?.getStats()) ?? undefined,
    };
  }

  /**
   * Destroys the context (web extension; the mini-program destroys it when the app exits):
   * leaves the room, stops capture, removes listeners; every later call fails with errorCode 115910.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#session) this.#release(this.#session);
    this.#session?.close();
    this.#session = undefined;
    this.#warm?.close();
    this.#warm = undefined;
    this.capture.stopAll();
    this.removeAllListeners();
  }

  async #run(method: string, work: () => Promise<void>): Promise<OkResult> {
    if (this.#destroyed) throw new RtcError('destroyed', method);
    try {
      await work();
    } catch (e) {
      // every failure reaches the app as a coded error of this call, never raw
      throw toRtcError(e, method);
    }
    return { errMsg: okMessage(method) };
  }

  #joined(api: string): RoomSession {
    const s = this.#session;
    if (!s?.join) throw new RtcError('notInRoom', api, '(no room joined)');
    return s;
  }

  async #join(options: JoinRtcRoomOptions): Promise<void> {
    const v = check(joinOptionsSchema, options, 'joinRtcRoom');
    const busy = engine.busy;
    if (busy || this.#session || this.#joining) {
      throw new RtcError('alreadyInRoom', 'joinRtcRoom', busy?.userId ?? v.userId, busy?.roomId ?? v.roomId);
    }
    const claim = { userId: v.userId, roomId: v.roomId };
    engine.busy = claim;
    let session: RoomSession | undefined;
    try {
      const params = {
        appId: this.appId,
        roomId: v.roomId,
        userId: v.userId,
        token: v.token,
        visible: this.#visible,
        ...(v.roomConfig ? { roomConfig: v.roomConfig } : {}),
      };
      const handlers: SignalHandlers = { onEvent: (f) => session?.onEvent(f), onLost: (r, code) => session && this.#onLost(session, r, code) };
      // the socket opened at creation, for the first join
      const opened = await this.#warm?.take(handlers);
      this.#warm = undefined;
      // in a cluster the node asked may send us to the room's node
      const { signal, join, url } = await joinFollowingRedirects({ url: wsUrl(this.server), ...(opened ? { opened } : {}) }, params, handlers);
      const mine = () => session !== undefined && this.#session === session;
      session = new RoomSession(
        v.roomId,
        v.userId,
        signal,
        this.capture,
        {
          emitSnapshot: (e, l) => mine() && this.emitSnapshot(e, l),
          emitState: (errNo, errMsg, data) => mine() && this.emitEvent('onRtcStateChanged', { errNo, errMsg, data }),
          emitActiveSpeakers: (speakers) => mine() && this.emitEvent('onRtcActiveSpeakersChanged', { speakers }),
          tokenWillExpire: () => mine() && this.emitEvent('onRoomTokenWillExpire'),
          interrupted: (p) => this.#interrupt(session, p),
          mediaFailed: (connection) => session && this.#mediaFailed(session, connection),
        },
        v.roomConfig?.autoPublish ?? true,
        this.speakersEvent,
        this.iceTransportPolicy,
      );
      session.autoSubscribe = v.roomConfig?.autoSubscribe ?? true;
      session.simulcast = this.simulcast;
      session.visible = this.#visible;
      session.token = v.token;
      session.url = url;
      Object.assign(session.intent, this.#preJoinIntent);
      this.#preJoinIntent = {};
      if (this.#destroyed) throw new RtcError('destroyed', 'joinRtcRoom');
      session.join = join;
      this.#session = session;
      const s = session;
      signal.startHeartbeat(join.heartbeatIntervalMs, () => s.mediaAlive());
      streams.setLocal(this.capture, v.userId);
      const joined = session;
      // the first snapshots follow the join result, as on the mini-program
      setTimeout(() => {
        if (this.#session !== joined) return;
        joined.emitList('onRtcChatMembersChanged', join.members);
        joined.emitList('onRtcVideoMembersChanged', join.videoMembers);
        // (the session emits the speaker events: it merges our own speaking state)
        joined.initialSpeakers(join);
        joined.emitList('onRtcPublishScreenMembersChanged', join.screenMembers);
      }, 0);
      if (this.#playbackDevice !== 'speakerphone') void this.#applySink();
      // autoPublish: what is captured goes out now; a failure here is reported, not thrown
      await session.sync('joinRtcRoom').catch((e: unknown) => this.#reportMediaError(e));
    } catch (e) {
      if (this.#session === session) this.#session = undefined;
      session?.close();
      if (engine.busy === claim && !this.#session) engine.busy = undefined;
      throw e;
    }
  }

  /** Frees the page's engine if this session holds it. */
  #release(s: RoomSession): void {
    if (engine.busy?.userId === s.userId && engine.busy.roomId === s.roomId) engine.busy = undefined;
  }

  /** Ends the session after a cut the app did not ask for; the context can join again. */
  #interrupt(session: RoomSession | undefined, payload: RtcErrorPayload): void {
    if (!session || this.#session !== session) return;
    this.#session = undefined;
    this.#release(session);
    session.close();
    this.emitEvent('onRtcChatInterrupted', payload);
  }

  /** A media failure after the join succeeded: `onRtcStateChanged` with the error's code. */
  #reportMediaError(e: unknown): void {
    const err = e instanceof RtcError ? e : new RtcError('mediaFailed', 'onRtcStateChanged', String((e as Error)?.message ?? e));
    const p = err.withMethod('onRtcStateChanged').toPayload();
    this.emitEvent('onRtcStateChanged', { errNo: p.errNo ?? p.errorCode ?? 21908, errMsg: p.errMsg, data: {} });
  }

  async #exit(options: ExitRtcRoomOptions | undefined): Promise<void> {
    check(exitSchema, options ?? {}, 'exitRtcRoom');
    await this.#joining;
    const s = this.#session;
    if (!s?.join) return;
    this.#session = undefined;
    this.#release(s);
    try {
      await s.request('exitRtcRoom', { roomId: s.roomId });
    } catch (e) {
      // a lost connection already took us out of the room on the server
      if (!(e instanceof RtcError && (e.code === 'connectionFailed' || e.code === 'timeout'))) throw e;
    } finally {
      s.close();
    }
  }

  /**
   * The signaling connection of `session` ended without `exitRtcRoom`. A server shutdown (1001),
   * a removal by the operator (4012), a rate-limit cut (4029) or a takeover (4010) interrupts the call; anything else is recovered:
   * see {@link RtcRoomContext.#recover} (after 4011, media lost, by joining again at once).
   */
  #onLost(session: RoomSession, reason: string, code: number | undefined): void {
    if (this.#session !== session) return;
    if (code === CLOSE_CODES.serverShutdown) return this.#interrupt(session, new RtcError('serverShutdown', 'onRtcChatInterrupted').toPayload());
    // removed by the operator (kick, room closed): the interruption came first; never rejoin
    if (code === CLOSE_CODES.removed) return this.#interrupt(session, new RtcError('kicked', 'onRtcChatInterrupted', session.roomId).toPayload());
    if (code === CLOSE_CODES.rateLimited || code === CLOSE_CODES.sessionMoved) {
      return this.#interrupt(session, new RtcError('connectionFailed', 'onRtcChatInterrupted', reason).toPayload());
    }
    // the server lost the room's media (a media worker crashed), or the room moved to another
    // node of the cluster, and let the member go: join again
    void recover(this.#recoveryHost, session, reason, code === CLOSE_CODES.mediaLost || code === CLOSE_CODES.roomMoved);
  }

  /**
   * A media connection failed for good: without ICE restarts, the session joins again on new
   * connections (the server forgets the member at once; the others see a leave and a join).
   */
  #mediaFailed(session: RoomSession, connection: 'publisher' | 'subscriber'): void {
    if (this.#session !== session || session.recovering) return;
    session.signal.close();
    void recover(this.#recoveryHost, session, `${connection} connection failed`, true);
  }


}

export type { Callbacks };
