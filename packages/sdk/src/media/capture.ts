/**
 * Local capture: microphone, camera and screen tracks, with the Douyin error mapping
 * (refusal → 10200 `auth deny`).
 * @module
 */
import { RtcError } from '@rtcroom/protocol/errors';

/** `setVideoEncoderConfig`'s `maxSolution`. */
export interface VideoProfile {
  width: number;
  height: number;
  frameRate: number;
}

/** The default publish profile of Volcengine RTC: 640×360 @ 15. */
export const DEFAULT_PROFILE: VideoProfile = { width: 640, height: 360, frameRate: 15 };

/** A bitrate cap that fits a profile (about 0.15 bit per pixel per frame, within 150 kbps–2.5 Mbps). */
export function bitrateFor(p: VideoProfile): number {
  return Math.round(Math.min(2_500_000, Math.max(150_000, p.width * p.height * p.frameRate * 0.15)));
}

/** Maps a getUserMedia/getDisplayMedia failure onto the error table. */
export function captureError(method: string, e: unknown, audio: boolean): RtcError {
  const name = (e as { name?: string })?.name ?? '';
  const message = (e as { message?: string })?.message ?? String(e);
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return new RtcError(audio ? 'micAuthDeny' : 'authDeny', method);
  }
  return new RtcError('captureFailed', method, `${name || 'Error'}: ${message}`);
}

/** Which camera. */
export type Facing = 'front' | 'back';

/** Holds the tracks the page captures; they outlive joins and exits. */
export class LocalCapture extends EventTarget {
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  screen: MediaStreamTrack | undefined;
  screenAudio: MediaStreamTrack | undefined;
  profile: VideoProfile = DEFAULT_PROFILE;
  facing: Facing = 'front';

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  /** Watches a capture track: if it ends by itself (device gone, permission revoked), it is dropped and `trackended` fires. */
  #watch(t: MediaStreamTrack | undefined, kind: 'audio' | 'video'): MediaStreamTrack | undefined {
    t?.addEventListener('ended', () => {
      if (this[kind] !== t) return;
      this[kind] = undefined;
      this.dispatchEvent(new CustomEvent('trackended', { detail: { kind, label: t.label } }));
      this.#changed();
    });
    return t;
  }

  #media(method: string): MediaDevices {
    const md = globalThis.navigator?.mediaDevices;
    if (!md) throw new RtcError('captureFailed', method, 'no mediaDevices (the page must be https or localhost)');
    return md;
  }

  #videoConstraints(): MediaTrackConstraints {
    return {
      width: { ideal: this.profile.width },
      height: { ideal: this.profile.height },
      frameRate: { ideal: this.profile.frameRate, max: this.profile.frameRate },
      facingMode: this.facing === 'front' ? 'user' : 'environment',
    };
  }

  /** Starts or stops the microphone. */
  async setAudio(on: boolean): Promise<void> {
    if (!on) {
      this.audio?.stop();
      this.audio = undefined;
      return this.#changed();
    }
    if (this.audio && this.audio.readyState === 'live') return;
    try {
      const s = await this.#media('changeAudioCapture').getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      this.audio = this.#watch(s.getAudioTracks()[0], 'audio');
    } catch (e) {
      throw e instanceof RtcError ? e : captureError('changeAudioCapture', e, true);
    }
    this.#changed();
  }

  /** Starts or stops the camera. */
  async setVideo(on: boolean): Promise<void> {
    if (!on) {
      this.video?.stop();
      this.video = undefined;
      return this.#changed();
    }
    if (this.video && this.video.readyState === 'live') return;
    this.video = this.#watch(await this.#openCamera('changeVideoCapture'), 'video');
    this.#changed();
  }

  async #openCamera(method: string): Promise<MediaStreamTrack> {
    try {
      const s = await this.#media(method).getUserMedia({ video: this.#videoConstraints() });
      const t = s.getVideoTracks()[0];
      if (!t) throw new Error('no video track');
      return t;
    } catch (e) {
      throw e instanceof RtcError ? e : captureError(method, e, false);
    }
  }

  /** Switches between front and back camera (reopens the camera when it runs). */
  async switchCamera(facing: Facing): Promise<void> {
    if (facing === this.facing) return;
    this.facing = facing;
    if (!this.video) return;
    const next = await this.#openCamera('switchCamera');
    const old = this.video;
    this.video = this.#watch(next, 'video');
    old.stop();
    this.#changed();
  }

  /** Sets the camera profile; a running camera is adjusted in place. */
  async setProfile(p: VideoProfile): Promise<void> {
    this.profile = p;
    if (this.video) await this.video.applyConstraints(this.#videoConstraints()).catch(() => undefined);
    this.#changed();
  }

  /** Starts a screen share (or uses the given track), or stops it. */
  async setScreen(on: boolean, opts: { audio?: boolean; track?: MediaStreamTrack } = {}): Promise<void> {
    if (!on) {
      this.screen?.stop();
      this.screenAudio?.stop();
      this.screen = undefined;
      this.screenAudio = undefined;
      return this.#changed();
    }
    if (this.screen) return;
    if (opts.track) {
      this.screen = opts.track;
    } else {
      try {
        const s = await this.#media('publishScreen').getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: opts.audio ?? false });
        this.screen = s.getVideoTracks()[0];
        this.screenAudio = s.getAudioTracks()[0];
      } catch (e) {
        throw e instanceof RtcError ? e : captureError('publishScreen', e, false);
      }
    }
    if (this.screen) {
      this.screen.contentHint = 'detail';
      // the browser's "stop sharing" button ends the track
      this.screen.addEventListener('ended', () => void this.setScreen(false));
    }
    this.#changed();
  }

  /** Stops everything. */
  stopAll(): void {
    for (const t of [this.audio, this.video, this.screen, this.screenAudio]) t?.stop();
    this.audio = this.video = this.screen = this.screenAudio = undefined;
    this.#changed();
  }
}
