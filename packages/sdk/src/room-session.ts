/**
 * Everything that lives while a context is in a room: the signaling connection, the publisher
 * and subscriber connections, and what the app wants published.
 * @module
 */
import type { ActiveSpeaker, EventFrame, JoinResult, RequestMethod, RequestParams, RequestResults, TrackSource } from '@rtcroom/protocol';
import { statePayload, type ErrorName, type RtcErrorPayload } from '@rtcroom/protocol/errors';
import type { LocalCapture } from './media/capture.ts';
import { Publisher, type PublishPlan } from './media/publisher.ts';
import { Subscriber } from './media/subscriber.ts';
import { VideoPauseState } from './video-pause.ts';
import { certificates } from './media/certificate.ts';
import type { SnapshotEvent } from './events.ts';
import type { Requester, SignalClient } from './signal-client.ts';
import { LocalSpeaker } from './media/local-speaker.ts';
import { IceWatch } from './media/ice-watch.ts';
import { lastReceivedAgeMs } from './media/ice.ts';
import { views } from './media/views.ts';

/** How a session reports to its context. */
export interface SessionHooks {
  emitSnapshot(event: SnapshotEvent, list: readonly string[]): void;
  /** `onRtcStateChanged`. */
  emitState(errNo: number, errMsg: string, data: Record<string, unknown>): void;
  /** `onRtcActiveSpeakersChanged` (web extension). */
  emitActiveSpeakers(speakers: ActiveSpeaker[]): void;
  /** `onRoomTokenWillExpire`. */
  tokenWillExpire(): void;
  /** The server cut the call (token expired, shutdown). */
  interrupted(payload: RtcErrorPayload): void;
  /** A media connection stayed down through ICE restarts: the context joins again on new connections. */
  mediaFailed(connection: 'publisher' | 'subscriber'): void;
}

/** Media received within this long means the network path works (ms). */
const MEDIA_ALIVE_MS = 1000;

/** How long to wait for ICE gathering before sending a description (ms): host candidates come at once. */
const ICE_GATHER_MS = 1000;
/** The same with TURN servers to ask (ms). */
const ICE_GATHER_WITH_TURN_MS = 3000;

/** Views per `setViews` request (the server's limit). */
const MAX_VIEWS_PER_REQUEST = 64;

const SNAPSHOT_EVENTS: Record<string, SnapshotEvent> = {
  rtcChatMembersChanged: 'onRtcChatMembersChanged',
  rtcVideoMembersChanged: 'onRtcVideoMembersChanged',
  rtcPublishScreenMembersChanged: 'onRtcPublishScreenMembersChanged',
};

/** One stay in one room (it outlives reconnects: the signaling connection and, after a full rejoin, the media connections are replaced). */
export class RoomSession implements Requester {
  readonly roomId: string;
  readonly userId: string;
  /** The current signaling connection. */
  signal: SignalClient;
  /** The signaling URL of the node holding the room (in a cluster, where the join was redirected to). */
  url = '';
  /** The token of the stay (the latest one given to `updateToken`): a full rejoin uses it. */
  token = '';
  /** Subscription choices made with `change*SubscribeState`, by `userId/source`, replayed after a full rejoin. */
  readonly subscriptions = new Map<string, { userId: string; source: TrackSource; subscribe: boolean }>();
  publisher: Publisher;
  subscriber: Subscriber;
  /** The last list each snapshot event delivered (JSON), so a reconnect re-emits only what changed. */
  readonly #lastLists = new Map<SnapshotEvent, string>();
  /** Set once the join succeeded. */
  join: JoinResult | undefined;
  /** Which camera-stream tracks the app wants published (`changeStreamPublishState`, `autoPublish`). */
  readonly intent: Record<'audio' | 'video', boolean>;
  /** True while the context recovers this session (reconnect, resume or rejoin). */
  recovering = false;
  /** `roomConfig.autoSubscribe` of the join. */
  autoSubscribe = true;
  /** Send the camera as simulcast layers. */
  get simulcast(): boolean {
    return this.publisher.simulcast;
  }
  set simulcast(on: boolean) {
    this.publisher.simulcast = on;
  }
  /** Whether the app shares its screen (web extension). */
  screen = false;
  /** Whether others see this member (`changeUserVisibility`). */
  visible = true;
  /** Set when the server revoked publishing (privilege expired) until `updateToken`. */
  publishRevoked = false;
  readonly #capture: LocalCapture;
  readonly #hooks: SessionHooks;
  #closed = false;
  /** `'relay'`: media only through the TURN servers of the join (createRtcRoomContext option). */
  readonly #iceTransportPolicy: RTCIceTransportPolicy;
  /** Whether the app was last told remote video is paused for bandwidth (21956 until 21957). */
  readonly #videoPause = new VideoPauseState();
  /** What `onRtcChatSpeakersChanged` lists: microphone on (`audio`) or voice activity (`voice`). */
  readonly #speakersEvent: 'audio' | 'voice';
  /** The server's latest voice-activity list. */
  #serverActive: ActiveSpeaker[] = [];
  #lastActive = '';
  #lastVoiceIds = '';
  readonly #local = new LocalSpeaker(() => this.emitActive());
  readonly #onViews = (): void => this.#sendViews(false);
  /** ICE restarts of the current media connections. */
  readonly #ice = new Map<'publisher' | 'subscriber', IceWatch>();

  constructor(
    roomId: string,
    userId: string,
    signal: SignalClient,
    capture: LocalCapture,
    hooks: SessionHooks,
    autoPublish: boolean,
    speakersEvent: 'audio' | 'voice' = 'audio',
    iceTransportPolicy: RTCIceTransportPolicy = 'all',
  ) {
    this.#iceTransportPolicy = iceTransportPolicy;
    this.roomId = roomId;
    this.userId = userId;
    this.signal = signal;
    this.#capture = capture;
    this.#hooks = hooks;
    this.#speakersEvent = speakersEvent;
    this.intent = { audio: autoPublish, video: autoPublish };
    this.publisher = new Publisher(this, (pc) => this.#watchTransport('publisher', pc));
    this.subscriber = new Subscriber(this, (pc) => this.#watchTransport('subscriber', pc));
    views.addEventListener('change', this.#onViews);
  }

  /** Configuration of a new media connection: the join's ICE servers, the transport policy, the page's certificate. */
  rtcConfiguration(): RTCConfiguration {
    const certs = certificates();
    return { bundlePolicy: 'max-bundle', iceServers: this.join?.iceServers ?? [], iceTransportPolicy: this.#iceTransportPolicy, ...(certs ? { certificates: certs } : {}) };
  }

  /** How long to wait for ICE gathering: longer with TURN servers (a relay over TCP or TLS takes round trips). */
  get gatherCapMs(): number {
    return (this.join?.iceServers.length ?? 0) > 0 ? ICE_GATHER_WITH_TURN_MS : ICE_GATHER_MS;
  }

  /** Tells the server what the page shows of remote videos (all of it, or what changed). */
  #sendViews(all: boolean): void {
    if (!this.join || this.#closed) return;
    const list = views.takeChanges(all);
    for (let i = 0; i < list.length; i += MAX_VIEWS_PER_REQUEST) {
      void this.request('setViews', { views: list.slice(i, i + MAX_VIEWS_PER_REQUEST) }).catch(() => undefined);
    }
  }

  /** Sends a request on the current signaling connection. */
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, apiName?: string, timeoutMs?: number): Promise<RequestResults[M]> {
    return this.signal.request(method, params, apiName, timeoutMs);
  }

  /** Emits a snapshot event and remembers it. */
  emitList(event: SnapshotEvent, list: readonly string[]): void {
    this.#lastLists.set(event, JSON.stringify(list));
    this.#hooks.emitSnapshot(event, list);
  }

  /** After a reconnect: the lists of `join` for the events whose list differs from the last one delivered. */
  refreshLists(join: JoinResult): void {
    const lists: [SnapshotEvent, string[]][] = [
      ['onRtcChatMembersChanged', join.members],
      ['onRtcVideoMembersChanged', join.videoMembers],
      ['onRtcPublishScreenMembersChanged', join.screenMembers],
    ];
    if (this.#speakersEvent === 'audio') lists.push(['onRtcChatSpeakersChanged', join.speakers]);
    for (const [ev, list] of lists) if (this.#lastLists.get(ev) !== JSON.stringify(list)) this.emitList(ev, list);
    this.emitActive(join.activeSpeakers);
    this.#sendViews(true);
  }

  /** A fresh signaling connection took over (resume or rejoin). */
  replaceSignal(signal: SignalClient, join: JoinResult): void {
    const old = this.signal;
    this.signal = signal;
    this.join = join;
    if (old !== signal) old.close();
    // fresh TURN credentials: the ICE restarts that follow a resume use them
    for (const pc of [this.publisher.pc, this.subscriber.pc]) {
      if (!pc || pc.connectionState === 'closed' || (join.iceServers.length === 0 && (pc.getConfiguration().iceServers ?? []).length === 0)) continue;
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: join.iceServers });
      } catch (e) {
        // the old credentials stay (they last hours); the restart may still find its path
        console.warn('rtcroom: could not apply fresh ICE servers', e);
      }
    }
    signal.startHeartbeat(join.heartbeatIntervalMs, () => this.mediaAlive());
  }

  /** Whether a media connection received packets within the last second (the network path works). */
  async mediaAlive(): Promise<boolean> {
    for (const pc of [this.publisher.pc, this.subscriber.pc]) {
      if (!pc || pc.connectionState === 'closed') continue;
      const age = await lastReceivedAgeMs(pc).catch(() => undefined);
      if (age !== undefined && age < MEDIA_ALIVE_MS) return true;
    }
    return false;
  }

  /** Signaling resumed: restart ICE on the media connections that are down (the network changed). */
  restartIce(): void {
    for (const w of this.#ice.values()) w.kick();
  }

  /** ICE restarts made on the current media connections (diagnostics, tests). */
  get iceRestarts(): number {
    let n = 0;
    for (const w of this.#ice.values()) n += w.restarts;
    return n;
  }

  /** New media connections (a full rejoin: the server forgot the old ones). Capture keeps running. */
  resetMedia(): void {
    for (const w of this.#ice.values()) w.close();
    this.#ice.clear();
    const maxBitrate = { ...this.publisher.maxBitrate };
    const simulcast = this.publisher.simulcast;
    this.publisher.close();
    this.subscriber.close();
    this.publisher = new Publisher(this, (pc) => this.#watchTransport('publisher', pc));
    Object.assign(this.publisher.maxBitrate, maxBitrate);
    this.publisher.simulcast = simulcast;
    this.subscriber = new Subscriber(this, (pc) => this.#watchTransport('subscriber', pc));
    // the new member's video is not paused: an app told 21956 hears 21957 (the server will not say it)
    if (this.#videoPause.rejoined()) {
      const p = statePayload('videoResumed');
      this.#hooks.emitState(p.errNo, p.errMsg, { reason: 'videoResumed' });
    }
  }

  /** Reports a media connection's states and keeps it up with ICE restarts. */
  #watchTransport(name: 'publisher' | 'subscriber', pc: RTCPeerConnection): void {
    this.#ice.get(name)?.close();
    this.#ice.set(
      name,
      new IceWatch(pc, {
        signalingUp: () => !this.#closed && !this.recovering,
        restart: () => (name === 'publisher' ? this.publisher.restartIce('publisherOffer') : this.request('restartSubscriberIce', {}).then(() => undefined)),
        giveUp: () => this.#hooks.mediaFailed(name),
      }),
    );
    const rows: Partial<Record<RTCPeerConnectionState, ErrorName>> = {
      connecting: 'transportConnecting',
      connected: 'transportConnected',
      disconnected: 'transportReconnecting',
      failed: 'transportFailed',
    };
    pc.addEventListener('connectionstatechange', () => {
      const row = rows[pc.connectionState];
      if (!row || this.#closed) return;
      const p = statePayload(row, name);
      this.#hooks.emitState(p.errNo, p.errMsg, { connection: name, state: pc.connectionState });
    });
  }

  /** Whether this member may publish now (token, visibility, privilege). */
  get canPublish(): boolean {
    return (this.join?.canPublish ?? false) && this.visible && !this.publishRevoked;
  }

  /** Why publishing is refused, or undefined. */
  publishDenied(): string | undefined {
    if (!this.visible) return 'the user is invisible (changeUserVisibility)';
    if (this.publishRevoked) return 'the publish privilege has expired';
    return this.join?.canPublish ? undefined : 'the token has no publish privilege';
  }

  /** What should be on the wire now. */
  plan(): PublishPlan {
    if (!this.canPublish || this.#closed) return {};
    const c = this.#capture;
    const plan: PublishPlan = {};
    const live = (t: MediaStreamTrack | undefined) => (t && t.readyState === 'live' ? t : undefined);
    if (this.intent.audio) plan.audio = live(c.audio);
    if (this.intent.video) plan.video = live(c.video);
    if (this.screen) {
      plan.screen = live(c.screen);
      plan.screenAudio = live(c.screenAudio);
    }
    return plan;
  }

  /** Brings publishing in line with capture and intent. */
  async sync(api: string): Promise<void> {
    try {
      await this.publisher.sync(this.plan(), api);
    } finally {
      this.#watchOwnLevel();
    }
  }

  /** Measures our own level while our microphone is published; stops (and drops us) at once otherwise. */
  #watchOwnLevel(): void {
    if (this.#closed || !this.publisher.published.has('audio')) return this.#local.stop();
    this.#local.start(async () => {
      const stats = await this.publisher.pc?.getStats();
      let level: number | undefined;
      stats?.forEach((r: { type: string; kind?: string; audioLevel?: number }) => {
        if (r.type === 'media-source' && r.kind === 'audio' && r.audioLevel !== undefined) level = r.audioLevel;
      });
      return level;
    });
  }

  /** The speaker events right after the join (from the join result). */
  initialSpeakers(join: JoinResult): void {
    if (this.#speakersEvent === 'audio') this.emitList('onRtcChatSpeakersChanged', join.speakers);
    this.emitActive(join.activeSpeakers, true);
    this.#sendViews(true);
  }

  /**
   * Voice activity: the server's list with our own entry decided locally (no round trip), loudest
   * first. Emitted when it changes (and, with `speakersEvent: 'voice'`, as the Douyin event).
   */
  emitActive(server?: readonly ActiveSpeaker[], initial = false): void {
    if (server) this.#serverActive = server.map((s) => ({ userId: s.userId, level: s.level }));
    if (!this.join || this.#closed) return;
    const me = this.userId;
    const list = this.#serverActive.filter((s) => s.userId !== me);
    if (this.#local.speaking && this.publisher.published.has('audio')) {
      list.push({ userId: me, level: Math.round(this.#local.level) });
      list.sort((a, b) => a.level - b.level);
    }
    const text = JSON.stringify(list);
    if (text !== this.#lastActive || initial) {
      this.#lastActive = text;
      this.#hooks.emitActiveSpeakers(list);
    }
    if (this.#speakersEvent !== 'voice') return;
    const ids = list.map((s) => s.userId);
    const idText = JSON.stringify(ids);
    if (idText === this.#lastVoiceIds && !initial) return;
    this.#lastVoiceIds = idText;
    this.emitList('onRtcChatSpeakersChanged', ids);
  }

  /** Sources the server forwards for us. */
  get published(): ReadonlySet<TrackSource> {
    return this.publisher.published;
  }

  /** A pushed event of the server. */
  onEvent(f: EventFrame): void {
    if (this.#closed) return;
    if (f.event === 'subscriberOffer') return this.subscriber.onOffer(f.data);
    if (f.event === 'publishLayers') return void this.publisher.setLayers(f.data.source, f.data.active).catch(() => undefined);
    if (f.event === 'rtcActiveSpeakersChanged') return this.emitActive(f.data.speakers);
    if (f.event === 'rtcChatSpeakersChanged') {
      if (this.#speakersEvent === 'audio' && this.join) this.emitList('onRtcChatSpeakersChanged', f.data.userIdList);
      return;
    }
    if (f.event === 'tokenWillExpire') return this.#hooks.tokenWillExpire();
    if (f.event === 'interrupted') {
      if (f.data.errNo === 21108) {
        const p = statePayload('tokenExpired');
        this.#hooks.emitState(p.errNo, p.errMsg, {});
      }
      return this.#hooks.interrupted(f.data);
    }
    if (f.event === 'stateChanged') {
      const reason = f.data.data.reason;
      if (reason === 'videoPausedForBandwidth' || reason === 'videoResumed') {
        // the server repeats the current video state after a resume: the app hears changes only
        if (!this.#videoPause.heard(reason === 'videoPausedForBandwidth')) return;
      }
      if (reason === 'publishExpired') {
        this.publishRevoked = true;
        void this.sync('changeStreamPublishState').catch(() => undefined);
      }
      if (reason === 'mutedByServer') this.#mutedByServer(f.data.data.streamType);
      return this.#hooks.emitState(f.data.errNo, f.data.errMsg, f.data.data);
    }
    const ev = SNAPSHOT_EVENTS[f.event];
    if (ev && this.join) this.emitList(ev, f.data.userIdList);
  }

  /**
   * The operator stopped one of our streams (admin API `mute`): the server no longer forwards it,
   * and we stop sending it; `changeStreamPublishState` / `publishScreen` may start it again.
   */
  #mutedByServer(streamType: unknown): void {
    if (streamType === 'audio' || streamType === 'video') this.intent[streamType] = false;
    else if (streamType === 'screen') this.screen = false;
    else return;
    void this.sync('changeStreamPublishState').catch(() => undefined);
  }

  /** Ends the session's connections (capture keeps running). */
  close(): void {
    this.#closed = true;
    views.removeEventListener('change', this.#onViews);
    for (const w of this.#ice.values()) w.close();
    this.#local.stop();
    this.publisher.close();
    this.subscriber.close();
    this.signal.close();
  }
}
