/**
 * `<rtc-room user-id="…" mode="camera|video|screen">`: one video surface, as the mini-program
 * component. `mode="camera"` needs no `user-id` (the local preview, also before joining);
 * `device-position="front|back"` on it is the initial camera choice. Black while there is no stream; attaches when the stream arrives, whether the
 * element was created before or after it. Fires `error` with `{errNo, errMsg}` on failure.
 * @module
 */
import { streams, type RoomViewMode } from './media/streams.ts';
import { views } from './media/views.ts';

const MODES: readonly RoomViewMode[] = ['camera', 'video', 'screen'];

const STYLE = `
:host { display: block; position: relative; background: #000; overflow: hidden; width: 300px; height: 225px; }
video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; background: #000; }
:host([mode="screen"]) video { object-fit: contain; }
video.mirror { transform: scaleX(-1); }
`;

/** The `<rtc-room>` custom element. */
export class RtcRoomElement extends HTMLElement {
  static observedAttributes = ['user-id', 'userid', 'mode', 'device-position'];
  readonly #video: HTMLVideoElement;
  #track: MediaStreamTrack | undefined;
  #onChange = (): void => this.#update();

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.#video = document.createElement('video');
    this.#video.autoplay = true;
    this.#video.muted = true; // remote audio plays through the SDK, not through views
    this.#video.playsInline = true;
    this.#video.setAttribute('part', 'video');
    root.append(style, this.#video);
  }

  /** Whose stream (`user-id`, or `userId` as Douyin's own sample writes it). */
  get userId(): string | null {
    return this.getAttribute('user-id') ?? this.getAttribute('userid');
  }
  set userId(v: string | null) {
    if (v === null) this.removeAttribute('user-id');
    else this.setAttribute('user-id', v);
  }

  /** `camera` (own preview), `video` (a remote camera) or `screen` (a remote screen). */
  get mode(): RoomViewMode {
    const m = this.getAttribute('mode') ?? 'camera';
    return (MODES as readonly string[]).includes(m) ? (m as RoomViewMode) : 'camera';
  }
  set mode(v: RoomViewMode) {
    this.setAttribute('mode', v);
  }

  /** The inner `<video>` (web extension: sizes, `videoWidth`, `getVideoPlaybackQuality`). */
  get videoElement(): HTMLVideoElement {
    return this.#video;
  }

  connectedCallback(): void {
    streams.addEventListener('change', this.#onChange);
    this.#checkMode();
    this.#update();
  }

  disconnectedCallback(): void {
    streams.removeEventListener('change', this.#onChange);
    views.unwatch(this);
  }

  attributeChangedCallback(name: string): void {
    if (!this.isConnected) return; // checked when connected
    if (name === 'mode') this.#checkMode();
    this.#update();
  }

  #checkMode(): void {
    const m = this.getAttribute('mode');
    if (m !== null && !(MODES as readonly string[]).includes(m)) {
      this.#fail(20000, `rtc-room: mode should be one of "camera", "video", "screen", but got ${JSON.stringify(m)}`);
    }
  }

  #fail(errNo: number, errMsg: string): void {
    this.dispatchEvent(new CustomEvent('error', { detail: { errNo, errMsg } }));
  }

  #update(): void {
    const pos = this.getAttribute('device-position');
    if (this.mode === 'camera' && (pos === 'front' || pos === 'back')) streams.cameraHint(pos);
    const track = streams.track(this.mode, this.userId);
    // adaptive stream: the server sends a remote video no larger than this element shows
    const id = this.userId;
    if (this.mode !== 'camera' && id !== null) views.watch(this, id, this.mode);
    else views.unwatch(this);
    const mirror = this.mode === 'camera' && this.getAttribute('device-position') !== 'back';
    this.#video.classList.toggle('mirror', mirror);
    if (track === this.#track) return;
    this.#track = track;
    this.#video.srcObject = track ? new MediaStream([track]) : null;
    if (track) {
      void this.#video.play().catch((e: unknown) => {
        if ((e as { name?: string })?.name !== 'AbortError') this.#fail(21301, `rtcRoom creation failed: ${(e as Error)?.message ?? e}`);
      });
    }
  }
}

/** Registers `<rtc-room>` once (safe to call many times; no-op outside browsers). */
export function defineRtcRoomElement(): void {
  if (typeof customElements !== 'undefined' && !customElements.get('rtc-room')) customElements.define('rtc-room', RtcRoomElement);
}
