/**
 * What `RtcRoomContext` needs around its methods: option schemas of the web-only and device
 * methods, the Douyin-style option check, the signaling URL, and the page's engine lock.
 * @module
 */
import { RtcError, type ErrorName } from '@rtcroom/protocol/errors';
import { SIGNAL_PATH } from '@rtcroom/protocol/constants';
import { stateSchema, validate } from '@rtcroom/protocol';
import * as z from 'zod/mini';

/**
 * The page's engine: like the mini-program, one page is in one room at a time, whichever
 * context joined it (a second `createRtcRoomContext` cannot put the user in a second room).
 */
export const engine: { busy: { userId: string; roomId: string } | undefined } = { busy: undefined };

/** Options of `switchCamera`. */
export const switchCameraSchema = z.object({ camera: z.enum(['back', 'front']) });
/** Options of `setVideoEncoderConfig`. */
export const encoderSchema = z.object({
  maxSolution: z.object({
    width: z.number().check(z.int(), z.minimum(16), z.maximum(3840)),
    height: z.number().check(z.int(), z.minimum(16), z.maximum(2160)),
    frameRate: z.number().check(z.minimum(1), z.maximum(60)),
  }),
});
/** Options of `setAudioPlaybackDevice`. */
export const playbackSchema = z.object({ device: z.enum(['speakerphone', 'earpiece']) });
/** Options of `exitRtcRoom` in the SDK: the room id is informational (the context leaves its room). */
export const exitSchema = z.object({ roomId: z.optional(z.string()) });
/** Options of `publishScreen`. */
export const screenSchema = z.object({ state: stateSchema, audio: z.optional(z.boolean()) });

/** The signaling WebSocket URL of an http(s) server URL. */
export function wsUrl(server: string): string {
  const u = new URL(server);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${SIGNAL_PATH}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Validates `options` or throws the method's parameter error. */
export function check<S extends z.ZodMiniType>(schema: S, options: unknown, method: string, row: ErrorName = 'paramError'): z.output<S> {
  const v = validate(schema, options);
  if (!v.ok) throw new RtcError(row, method, v.detail);
  return v.value;
}


/**
 * Binds every method of `obj`'s class chain to `obj`, so methods work detached from the context
 * (`const f = ctx.changeVideoCapture; f({state: 1})`, `promisify(ctx.joinRtcRoom)`), as on the
 * mini-program. Getters and the constructor are left alone.
 */
export function bindMethods(obj: object): void {
  const target = obj as Record<string, unknown>;
  for (let proto = Object.getPrototypeOf(obj) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || Object.hasOwn(target, name)) continue;
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof d?.value === 'function') {
        Object.defineProperty(target, name, { value: (d.value as (...a: unknown[]) => unknown).bind(obj), writable: true, configurable: true, enumerable: false });
      }
    }
  }
}
