/**
 * Constants shared by server and SDK. No dependencies.
 * @module
 */

/** Room and user ids follow Volcengine's rule: 1–128 of letters, digits and `_ @ - .`. */
export const ID_PATTERN = /^[a-zA-Z0-9_@\-.]{1,128}$/;

/** A cluster node id (`--node-id`). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The id rule as written in error messages. */
export const ID_RULE_TEXT = '[a-zA-Z0-9_@\\-\\.]{1,128}';

/** Path of the signaling WebSocket on the server. */
export const SIGNAL_PATH = '/rtc';

/** Largest signaling frame the server accepts (bytes); larger frames get a 20000 error reply. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** A session that sends nothing for this long is closed and its member leaves the room. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * How often the SDK sends a heartbeat (`ping`). The SDK treats a ping unanswered for 2 s as a
 * lost connection, so a dead network path is noticed in 1–3 s: before the server's 4 s ghost
 * timeout, so a network switch resumes the same member rather than joining again.
 */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** WebSocket close codes used by the server (4000–4999 is the application range). */
export const CLOSE_CODES = {
  /** Normal end after `exitRtcRoom` or client close. */
  normal: 1000,
  /** The server is shutting down. */
  serverShutdown: 1001,
  /** The client closes a connection it gave up on and reconnects (the server keeps the member for a resume). */
  reconnecting: 4000,
  /** No message for {@link HEARTBEAT_TIMEOUT_MS}. */
  heartbeatTimeout: 4008,
  /** The member moved to a newer session (`resumeSession`) or is gone. */
  sessionMoved: 4010,
  /**
   * The media of the member's room was lost (its media worker crashed); the member is gone and
   * the client joins again (the room is placed afresh).
   */
  mediaLost: 4011,
  /**
   * The operator removed the member (kick) or closed its room; an `interrupted` event with
   * `kicked` (21913) or `roomClosed` (21914) came first. The client must not join again by itself.
   */
  removed: 4012,
  /**
   * The member's room moved to another node of the cluster (this node drained or stopped, or
   * another node holds the room now); the member is gone and the client joins again, on the room's
   * node.
   */
  roomMoved: 4013,
  /** Too many messages. */
  rateLimited: 4029,
  /** Frame far above {@link MAX_FRAME_BYTES} (the socket is closed before reading it). */
  tooLarge: 1009,
} as const;

/** Stream types of the Douyin API. */
export const STREAM_TYPES = ['audio', 'video', 'both'] as const;
/** A Douyin stream type. */
export type StreamType = (typeof STREAM_TYPES)[number];

/**
 * A published track. `audio` and `video` are the camera stream (microphone and camera);
 * `screen` and `screenAudio` the screen-share stream.
 */
export const TRACK_SOURCES = ['audio', 'video', 'screen', 'screenAudio'] as const;
/** A published track's source. */
export type TrackSource = (typeof TRACK_SOURCES)[number];

/** Media kind of each source. */
export const SOURCE_KIND: Record<TrackSource, 'audio' | 'video'> = { audio: 'audio', video: 'video', screen: 'video', screenAudio: 'audio' };

/** The sources a Douyin `streamType` names, for the camera stream and for the screen stream. */
export function sourcesOf(streamType: StreamType, screen: boolean): TrackSource[] {
  const a: TrackSource = screen ? 'screenAudio' : 'audio';
  const v: TrackSource = screen ? 'screen' : 'video';
  return streamType === 'audio' ? [a] : streamType === 'video' ? [v] : [a, v];
}

/** Douyin API names the SDK may give as `api` so errors read `<api>:fail …`. */
export const API_NAMES = [
  'joinRtcRoom',
  'exitRtcRoom',
  'changeStreamPublishState',
  'changeStreamSubscribeState',
  'changeScreenSubscribeState',
  'changeAudioCapture',
  'changeVideoCapture',
  'publishScreen',
  'updateToken',
  'changeUserVisibility',
  'resumeSession',
] as const;
