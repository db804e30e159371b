/**
 * `createRtcRoomContext`.
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';
import { RtcRoomContext } from './context.ts';
import type { CreateRtcRoomContextOptions } from './options.ts';

/**
 * Creates a room context (synchronous), like `tt.createRtcRoomContext`.
 * Accepts `{appId, server?}` or, as some older typings do, the bare appId string.
 * @throws RtcError 20000 when appId is not a non-empty string
 */
export function createRtcRoomContext(options: CreateRtcRoomContextOptions | string): RtcRoomContext {
  const o = typeof options === 'string' ? { appId: options } : options;
  if (typeof o !== 'object' || o === null || typeof o.appId !== 'string' || o.appId.length === 0) {
    const got = typeof o === 'object' && o !== null ? typeof o.appId : typeof o;
    throw new RtcError('paramError', 'createRtcRoomContext', `params.appId should be a non-empty string, but got ${got}`);
  }
  if (o.server !== undefined && typeof o.server !== 'string') {
    throw new RtcError('paramError', 'createRtcRoomContext', `params.server should be string, but got ${typeof o.server}`);
  }
  if (o.speakersEvent !== undefined && o.speakersEvent !== 'audio' && o.speakersEvent !== 'voice') {
    throw new RtcError('paramError', 'createRtcRoomContext', `expect params.speakersEvent to be one of "audio", "voice", but got ${String(o.speakersEvent)}`);
  }
  if (o.simulcast !== undefined && typeof o.simulcast !== 'boolean') {
    throw new RtcError('paramError', 'createRtcRoomContext', `params.simulcast should be boolean, but got ${typeof o.simulcast}`);
  }
  if (o.preconnect !== undefined && typeof o.preconnect !== 'boolean') {
    throw new RtcError('paramError', 'createRtcRoomContext', `params.preconnect should be boolean, but got ${typeof o.preconnect}`);
  }
  if (o.iceTransportPolicy !== undefined && o.iceTransportPolicy !== 'all' && o.iceTransportPolicy !== 'relay') {
    throw new RtcError('paramError', 'createRtcRoomContext', `expect params.iceTransportPolicy to be one of "all", "relay", but got ${String(o.iceTransportPolicy)}`);
  }
  return new RtcRoomContext(o);
}

