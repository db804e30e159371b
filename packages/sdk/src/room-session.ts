/**
 * Everything that lives while a context is in a room: the signaling connection, the publisher
 * and subscriber connections, and what the app wants published.
 * @module
 */
import type { EventFrame, JoinResult, TrackSource } from '@rtcroom/protocol';
import type { LocalCapture } from './media/capture.ts';
import { Publisher, type PublishPlan } from './media/publisher.ts';
import { Subscriber } from './media/subscriber.ts';
import type { SnapshotEvent } from './events.ts';
import type { SignalClient } from './signal-client.ts';

/** How a session reports to its context. */
export interface SessionHooks {
  emitSnapshot(event: SnapshotEvent, list: readonly string[]): void;
}

const SNAPSHOT_EVENTS: Record<string, SnapshotEvent> = {
  rtcChatMembersChanged: 'onRtcChatMembersChanged',
  rtcVideoMembersChanged: 'onRtcVideoMembersChanged',
  rtcPublishScreenMembersChanged: 'onRtcPublishScreenMembersChanged',
};

/** One stay in one room. */
export class RoomSession {
  readonly roomId: string;
  readonly userId: string;
  readonly signal: SignalClient;
  readonly publisher: Publisher;
  readonly subscriber: Subscriber;
  /** Set once the join succeeded. */
  join: JoinResult | undefined;
  /** Which camera-stream tracks the app wants published (`changeStreamPublishState`, `autoPublish`). */
  readonly intent: Record<'audio' | 'video', boolean>;
  /** Whether the app shares its screen (web extension). */
  screen = false;
  readonly #capture: LocalCapture;
  readonly #hooks: SessionHooks;
  #closed = false;

  constructor(roomId: string, userId: string, signal: SignalClient, capture: LocalCapture, hooks: SessionHooks, autoPublish: boolean) {
    this.roomId = roomId;
    this.userId = userId;
    this.signal = signal;
    this.#capture = capture;
    this.#hooks = hooks;
    this.intent = { audio: autoPublish, video: autoPublish };
    this.publisher = new Publisher(signal);
    this.subscriber = new Subscriber(signal);
  }

  /** Whether the token lets this member publish. */
  get canPublish(): boolean {
    return this.join?.canPublish ?? false;
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
  sync(api: string): Promise<void> {
    return this.publisher.sync(this.plan(), api);
  }

  /** Sources the server forwards for us. */
  get published(): ReadonlySet<TrackSource> {
    return this.publisher.published;
  }

  /** A pushed event of the server. */
  onEvent(f: EventFrame): void {
    if (this.#closed) return;
    if (f.event === 'subscriberOffer') return this.subscriber.onOffer(f.data);
    const ev = SNAPSHOT_EVENTS[f.event];
    if (ev && this.join) this.#hooks.emitSnapshot(ev, f.data.userIdList);
  }

  /** Ends the session's connections (capture keeps running). */
  close(): void {
    this.#closed = true;
    this.publisher.close();
    this.subscriber.close();
    this.signal.close();
  }
}
