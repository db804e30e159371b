/**
 * The listener half of `RtcRoomContext`: every `on*` / `off*` pair of the Douyin API.
 * @module
 */
import { TypedEmitter } from '@rtcroom/protocol/emitter';
import type { RtcErrorPayload } from '@rtcroom/protocol/errors';

/** Payload of the four list events: a full snapshot, the local user included where it belongs. */
export interface SnapshotPayload {
  /** Every user id in the list. */
  userIdList: string[];
  /** 0 on normal events. */
  errCode: number;
  /** `"<eventName>:ok"` on normal events. */
  errMsg: string;
}

/** Payload of `onRtcStateChanged`. */
export interface RtcStatePayload {
  /** State or error number. */
  errNo: number;
  /** Description. */
  errMsg: string;
  /** Extra data. */
  data: Record<string, unknown>;
}

/** Payload of `onRtcActiveSpeakersChanged` (web extension). */
export interface ActiveSpeakersPayload {
  /** Members speaking now, loudest first; `level` is RFC 6464 -dBov (0 loudest … 127 silent). */
  speakers: { userId: string; level: number }[];
}

/** Payload of `onRtcChatInterrupted`. */
export type InterruptedPayload = RtcErrorPayload;

/** Events of a context, by their `on*` name. */
export type ContextEventMap = {
  onRtcChatMembersChanged: [SnapshotPayload];
  onRtcVideoMembersChanged: [SnapshotPayload];
  onRtcChatSpeakersChanged: [SnapshotPayload];
  onRtcActiveSpeakersChanged: [ActiveSpeakersPayload];
  onRtcPublishScreenMembersChanged: [SnapshotPayload];
  onRtcStateChanged: [RtcStatePayload];
  onRtcChatInterrupted: [InterruptedPayload];
  onRoomTokenWillExpire: [];
};

/** The four snapshot events. */
export type SnapshotEvent = 'onRtcChatMembersChanged' | 'onRtcVideoMembersChanged' | 'onRtcChatSpeakersChanged' | 'onRtcPublishScreenMembersChanged';

type L<E extends keyof ContextEventMap> = (...args: ContextEventMap[E]) => void;

/** Listener registration shared by every context. Registering a function twice keeps one registration; `off*()` without an argument removes all. */
export class ContextEvents {
  readonly #events = new TypedEmitter<ContextEventMap>();

  constructor() {
    this.#events.onListenerError = (err, event) => console.error(`rtcroom: ${String(event)} listener threw`, err);
  }

  /** Emits a snapshot event with a copy of `list`. */
  protected emitSnapshot(event: SnapshotEvent, list: readonly string[]): void {
    this.#events.emit(event, { userIdList: [...list], errCode: 0, errMsg: `${event}:ok` });
  }

  /** Emits any event. */
  protected emitEvent<E extends keyof ContextEventMap>(event: E, ...args: ContextEventMap[E]): void {
    this.#events.emit(event, ...args);
  }

  /** Removes every listener. */
  protected removeAllListeners(): void {
    this.#events.removeAll();
  }

  /** Members of the room changed (joins and leaves). */
  onRtcChatMembersChanged(cb: L<'onRtcChatMembersChanged'>): void {
    this.#events.on('onRtcChatMembersChanged', cb);
  }
  /** Removes a members listener, or all of them. */
  offRtcChatMembersChanged(cb?: L<'onRtcChatMembersChanged'>): void {
    this.#events.off('onRtcChatMembersChanged', cb);
  }
  /** Users whose camera video is published changed. */
  onRtcVideoMembersChanged(cb: L<'onRtcVideoMembersChanged'>): void {
    this.#events.on('onRtcVideoMembersChanged', cb);
  }
  /** Removes a video-members listener, or all of them. */
  offRtcVideoMembersChanged(cb?: L<'onRtcVideoMembersChanged'>): void {
    this.#events.off('onRtcVideoMembersChanged', cb);
  }
  /**
   * Users whose microphone audio is on (published, not muted; yourself included) changed. Steady
   * through silence. With `createRtcRoomContext({ speakersEvent: 'voice' })` it lists the users
   * speaking now instead.
   */
  onRtcChatSpeakersChanged(cb: L<'onRtcChatSpeakersChanged'>): void {
    this.#events.on('onRtcChatSpeakersChanged', cb);
  }
  /** Removes a speakers listener, or all of them. */
  offRtcChatSpeakersChanged(cb?: L<'onRtcChatSpeakersChanged'>): void {
    this.#events.off('onRtcChatSpeakersChanged', cb);
  }
  /**
   * Web extension: who speaks now and how loud (`{ speakers: [{ userId, level }] }`, loudest
   * first, RFC 6464 level 0 loudest … 127 silent; yourself included, decided in the page).
   * Fires when the set changes, and about once a second while anyone speaks.
   */
  onRtcActiveSpeakersChanged(cb: L<'onRtcActiveSpeakersChanged'>): void {
    this.#events.on('onRtcActiveSpeakersChanged', cb);
  }
  /** Removes an active-speakers listener, or all of them. */
  offRtcActiveSpeakersChanged(cb?: L<'onRtcActiveSpeakersChanged'>): void {
    this.#events.off('onRtcActiveSpeakersChanged', cb);
  }
  /** Users publishing a screen share changed. */
  onRtcPublishScreenMembersChanged(cb: L<'onRtcPublishScreenMembersChanged'>): void {
    this.#events.on('onRtcPublishScreenMembersChanged', cb);
  }
  /** Removes a screen-members listener, or all of them. */
  offRtcPublishScreenMembersChanged(cb?: L<'onRtcPublishScreenMembersChanged'>): void {
    this.#events.off('onRtcPublishScreenMembersChanged', cb);
  }
  /** Runtime state changes and errors during a call. */
  onRtcStateChanged(cb: L<'onRtcStateChanged'>): void {
    this.#events.on('onRtcStateChanged', cb);
  }
  /** Removes a state listener, or all of them. */
  offRtcStateChanged(cb?: L<'onRtcStateChanged'>): void {
    this.#events.off('onRtcStateChanged', cb);
  }
  /** Alias of {@link ContextEvents.onRtcStateChanged} (older typings' spelling). */
  onRtcStateChange(cb: L<'onRtcStateChanged'>): void {
    this.onRtcStateChanged(cb);
  }
  /** Alias of {@link ContextEvents.offRtcStateChanged}. */
  offRtcStateChange(cb?: L<'onRtcStateChanged'>): void {
    this.offRtcStateChanged(cb);
  }
  /** The call was cut without `exitRtcRoom` (connection lost, kicked, token expired, …). */
  onRtcChatInterrupted(cb: L<'onRtcChatInterrupted'>): void {
    this.#events.on('onRtcChatInterrupted', cb);
  }
  /** Removes an interruption listener, or all of them. */
  offRtcChatInterrupted(cb?: L<'onRtcChatInterrupted'>): void {
    this.#events.off('onRtcChatInterrupted', cb);
  }
  /** The token expires in 30 s: call `updateToken`. */
  onRoomTokenWillExpire(cb: L<'onRoomTokenWillExpire'>): void {
    this.#events.on('onRoomTokenWillExpire', cb);
  }
  /** Removes a token-expiry listener, or all of them. */
  offRoomTokenWillExpire(cb?: L<'onRoomTokenWillExpire'>): void {
    this.#events.off('onRoomTokenWillExpire', cb);
  }
}
