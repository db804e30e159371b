/**
 * Option types of the context's methods.
 * @module
 */
import type { Callbacks } from './callbacks.ts';

/** Options of `createRtcRoomContext`. */
export interface CreateRtcRoomContextOptions {
  /** Volcengine-style AppId; contexts of different apps never meet. */
  appId: string;
  /** rtcroom server, e.g. `https://rtc.example.com` (default: the page's origin). */
  server?: string;
  /**
   * What `onRtcChatSpeakersChanged` lists: `'audio'` (default, as the mini-program) the members
   * whose microphone audio is on; `'voice'` the members speaking now (voice activity). The
   * voice-activity list with levels is always available as `onRtcActiveSpeakersChanged`.
   */
  speakersEvent?: 'audio' | 'voice';
  /**
   * Send the camera as simulcast layers (default true): two sizes from 270p, three from 720p,
   * so each viewer gets what its link and its tile can show (web extension).
   */
  simulcast?: boolean;
  /**
   * `'all'` (default): media takes the best path ICE finds; `'relay'`: only through the TURN
   * servers the rtcroom server hands out (`--turn-urls`), so the other side never learns this
   * device's addresses (web extension, as `RTCConfiguration.iceTransportPolicy`).
   */
  iceTransportPolicy?: 'all' | 'relay';
  /**
   * Open the signaling connection when the context is created (default true), so the first
   * `joinRtcRoom` within 20 s does not wait for the WebSocket handshake; `false` connects at the
   * join (web extension).
   */
  preconnect?: boolean;
}

/** `joinRtcRoom`'s `roomConfig`. */
export interface RoomConfig {
  /** Publish captured audio/video on join (default true). */
  autoPublish?: boolean;
  /** Subscribe to remote audio/video/screens on join (default true). */
  autoSubscribe?: boolean;
}

/** Options of `joinRtcRoom`. */
export interface JoinRtcRoomOptions extends Callbacks {
  /** Room to join. */
  roomId: string;
  /** This user's id. */
  userId: string;
  /** Token minted for appId + roomId + userId. */
  token: string;
  /** Auto publish / subscribe switches. */
  roomConfig?: RoomConfig;
}

/** Options of `exitRtcRoom`. */
export interface ExitRtcRoomOptions extends Callbacks {
  /** Room to leave. The context leaves the room it is in whatever this says (real call code passes other ids). */
  roomId?: string;
}

/** Options of `changeAudioCapture` / `changeVideoCapture`. */
export interface CaptureOptions extends Callbacks {
  /** 1 start, 0 stop. */
  state: 0 | 1;
}

/** Options of `changeStreamPublishState`. */
export interface PublishStateOptions extends Callbacks {
  /** 1 publish, 0 unpublish. */
  state: 0 | 1;
  /** Which tracks of the camera stream. */
  streamType: 'audio' | 'video' | 'both';
}

/** Options of `changeStreamSubscribeState` / `changeScreenSubscribeState`. */
export interface SubscribeStateOptions extends Callbacks {
  /** 1 subscribe, 0 unsubscribe. */
  state: 0 | 1;
  /** The remote user. */
  userId: string;
  /** Which tracks. */
  streamType: 'audio' | 'video' | 'both';
}

/** Options of `switchCamera`. */
export interface SwitchCameraOptions extends Callbacks {
  camera: 'front' | 'back';
}

/** Options of `setVideoEncoderConfig`. */
export interface VideoEncoderConfigOptions extends Callbacks {
  maxSolution: { width: number; height: number; frameRate: number };
}

/** Options of `setAudioPlaybackDevice`. */
export interface AudioPlaybackDeviceOptions extends Callbacks {
  device: 'speakerphone' | 'earpiece';
}

/** Options of `publishScreen` (web extension). */
export interface PublishScreenOptions extends Callbacks {
  /** 1 share, 0 stop. */
  state: 0 | 1;
  /** Also share the screen's audio where the browser offers it. */
  audio?: boolean;
  /** Share this track instead of asking `getDisplayMedia` (a canvas, a video element…). */
  track?: MediaStreamTrack;
}

/** `getStats()` result (web extension). */
export interface MediaStats {
  publisher: RTCStatsReport | undefined;
  subscriber: RTCStatsReport | undefined;
}

/** Options of `updateToken`. */
export interface UpdateTokenOptions extends Callbacks {
  /** A fresh token for the same app, room and user. */
  token: string;
}

/** Options of `changeUserVisibility`. */
export interface UserVisibilityOptions extends Callbacks {
  /** false: invisible (absent from others' lists, cannot publish). */
  visible: boolean;
}
