/**
 * Where `<rtc-room>` elements find their streams: the local capture and the remote tracks of
 * the current room, with a `change` event whenever either changes.
 * @module
 */
import type { LocalCapture } from './capture.ts';

/** Which picture an `<rtc-room>` shows. */
export type RoomViewMode = 'camera' | 'video' | 'screen';

/** The page-wide registry of streams (one per page, like the mini-program's engine). */
export class StreamRegistry extends EventTarget {
  #local: LocalCapture | undefined;
  #remote = new Map<string, { video?: MediaStreamTrack; screen?: MediaStreamTrack }>();
  #localUserId: string | undefined;
  #onLocalChange = (): void => this.#changed();

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  /** The capture whose camera `mode="camera"` shows. */
  setLocal(capture: LocalCapture, userId?: string): void {
    if (this.#local !== capture) {
      this.#local?.removeEventListener('change', this.#onLocalChange);
      capture.addEventListener('change', this.#onLocalChange);
      this.#local = capture;
    }
    this.#localUserId = userId;
    this.#changed();
  }

  /**
   * `<rtc-room mode="camera" device-position="front|back">`: the initial camera choice. Applies
   * while the camera is off (a running camera is switched with `switchCamera`).
   */
  cameraHint(facing: 'front' | 'back'): void {
    const c = this.#local;
    if (c && !c.video) c.facing = facing;
  }

  /** Replaces the remote tracks (after each subscriber negotiation). */
  setRemote(tracks: readonly { userId: string; source: string; track: MediaStreamTrack }[]): void {
    const next = new Map<string, { video?: MediaStreamTrack; screen?: MediaStreamTrack }>();
    for (const t of tracks) {
      if (t.source !== 'video' && t.source !== 'screen') continue;
      const entry = next.get(t.userId) ?? {};
      entry[t.source] = t.track;
      next.set(t.userId, entry);
    }
    this.#remote = next;
    this.#changed();
  }

  /** The track an element with this mode and user id shows, if any. */
  track(mode: RoomViewMode, userId: string | null): MediaStreamTrack | undefined {
    if (mode === 'camera' || (mode === 'video' && userId !== null && userId === this.#localUserId)) {
      const t = this.#local?.video;
      return t && t.readyState === 'live' ? t : undefined;
    }
    if (userId === null) return undefined;
    const r = this.#remote.get(userId);
    return mode === 'screen' ? r?.screen : r?.video;
  }
}

/** The registry of this page. */
export const streams = new StreamRegistry();
