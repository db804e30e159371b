/**
 * rtcroom browser SDK: the Douyin mini-program RTC API (`createRtcRoomContext`) for web pages.
 *
 * ```js
 * import { createRtcRoomContext } from '/sdk/rtcroom.js';
 * const ctx = createRtcRoomContext({ appId });
 * ctx.onRtcChatMembersChanged(({ userIdList }) => render(userIdList));
 * await ctx.joinRtcRoom({ roomId, userId, token });
 * ```
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';
import { RtcRoomContext } from './context.ts';
import { createRtcRoomContext } from './create.ts';
import { defineRtcRoomElement, RtcRoomElement } from './rtc-room-element.ts';

defineRtcRoomElement();

export { createRtcRoomContext, RtcRoomContext };
export { tt } from './tt/index.ts';
export { App, Page, getApp, getCurrentPages } from './tt/miniapp.ts';
export type { SystemInfo, Scope, SettingResult, ShowToastOptions } from './tt/index.ts';
export { RtcError };
export { RtcRoomElement, defineRtcRoomElement };
export type * from './options.ts';
export type { SnapshotPayload, RtcStatePayload, InterruptedPayload, ActiveSpeakersPayload, ContextEventMap } from './events.ts';
export type { OkResult, Callbacks, WithCallback } from './callbacks.ts';
export type { RtcErrorPayload } from '@rtcroom/protocol/errors';
