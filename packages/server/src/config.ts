/**
 * Server configuration: every knob with a default that runs on a laptop.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, MAX_FRAME_BYTES } from '@rtcroom/protocol';
import type { App, AppRegistry } from './apps/registry.ts';
import type { LogLevel } from './log.ts';
import type { MediaNetwork } from './media/codecs.ts';
import { DEFAULT_SPEAKER_OPTIONS, type SpeakerOptions } from '@rtcroom/protocol';
import type { AudioSelectionConfig } from './media/audio-selection.ts';
import { DEFAULT_TURN_TTL_SECONDS, type TurnConfig } from './turn/credentials.ts';
import { DEFAULT_WEBHOOKS, type WebhookConfig } from './webhooks/webhooks.ts';
import type { UsageConfig } from './usage/setup.ts';
import type { ClusterConfig } from './cluster/cluster.ts';
import { nativeModeFromEnv, type NativeMode } from './media/native/send-path.ts';
import type { RecordingConfig } from './recording/recordings.ts';

/** Everything the server needs to run. */
export interface ServerConfig {
  /** Interface to listen on. */
  host: string;
  /** TCP port (0 = any free port). */
  port: number;
  /** Configured apps. */
  apps: AppRegistry;
  /** Set when running on the embedded dev app: enables `POST /api/dev/token`. */
  devApp: App | undefined;
  /** A session silent for this long is closed and leaves its room. */
  heartbeatTimeoutMs: number;
  /** Heartbeat period the server asks clients to use. */
  heartbeatIntervalMs: number;
  /** At most one snapshot of a kind per room per this interval. */
  snapshotIntervalMs: number;
  /** Members per room, visible or not (a safety cap). */
  maxMembersPerRoom: number;
  /** Visible members per room (Volcengine's default 50); invisible members do not count. */
  maxVisibleMembers: number;
  /** Members publishing at once per room (Volcengine's default 30). */
  maxPublishers: number;
  /** Per-session message rate limit: burst size and sustained rate, in messages of up to 4 KiB (larger frames cost more). Exceeding it closes the socket. */
  rateLimit: { burst: number; perSecond: number };
  /** TCP connections one remote address may hold open (HTTP and WebSocket); more are closed at once. */
  maxConnectionsPerAddress: number;
  /** Frames above this get an error reply. */
  maxFrameBytes: number;
  /** A session whose unsent output exceeds this is closed (it does not read). */
  maxBufferedBytes: number;
  /** Folder holding the built SDK bundles. */
  sdkDir: string;
  /** Folder served at `/` (the demo). */
  demoDir: string;
  /** Folder served at `/dashboard/` (the operator's dashboard; its data needs the admin key). */
  dashboardDir: string;
  /** A mini-program project served at `/miniapp/` (`--miniapp DIR`), if any. */
  miniappDir?: string | undefined;
  /** Log level. */
  logLevel: LogLevel;
  /** Where media (ICE/UDP) sockets live. */
  media: MediaNetwork;
  /** TURN/STUN servers handed to members, with credentials minted per member. */
  turn: TurnConfig;
  /** Speaker detection tuning. */
  speakers: SpeakerOptions;
  /**
   * Audio selection: in a room of more than `aboveMembers` members (0 = off), each listener
   * receives only the `maxSpeakers` loudest current speakers' microphones.
   */
  audioSelection: AudioSelectionConfig;
  /**
   * A member whose session was lost is kept this long for a resume (others see no change), as
   * long as its media flows (the ghost timeout removes it sooner otherwise). The default, 60 s,
   * is the SDK's own recovery budget: a thin link may take that long to carry a resume through.
   */
  resumeGraceMs: number;
  /** A member with neither signaling (frames, pongs) nor media (RTP, RTCP) for this long is gone. */
  ghostTimeoutMs: number;
  /** A session that is in no room and sends nothing for this long is closed (pongs do not count). */
  idleSessionMs: number;
  /** The server pings every session this often (WebSocket ping; the pong proves the client lives). */
  serverPingMs: number;
  /** Give memory back after a burst with one memory-reducing GC (`memory-reclaim.ts`); off: leave it to V8. */
  memoryReclaim: boolean;
  /** `onRoomTokenWillExpire` fires this long before the token (or a privilege) expires. */
  tokenWillExpireLeadMs: number;
  /**
   * Media processes: 1 runs media in this process (no IPC); N ≥ 2 starts N media worker processes
   * that own the media of the rooms placed on them (`workers/`), this process keeping HTTP,
   * signaling and room state.
   */
  workers: number;
  /** The admin API's key (`Authorization: Bearer <key>`); undefined: the API is off. */
  adminKey: string | undefined;
  /** `/metrics` needs `Authorization: Bearer <key>` when set; otherwise it answers loopback clients only. */
  metricsKey: string | undefined;
  /** Webhook receivers and delivery tuning (signed with `adminKey`, which they need). */
  webhooks: WebhookConfig;
  /** Usage records (calls, member sessions); undefined: not kept (`rtcroom serve` keeps them by default). */
  usage: UsageConfig | undefined;
  /** A cluster of nodes on one Redis (`--redis`); undefined: a single node. */
  cluster: ClusterConfig | undefined;
  /**
   * The native send path (`packages/server/native`: pre-keyed SRTP contexts, `sendmmsg`
   * batches): `auto` uses it when it was built, `on` refuses to start without it, `off` runs
   * the JavaScript path. Default: `RTCROOM_NATIVE`, else `auto`.
   */
  native: NativeMode;
  /** Room recordings (admin API), under `{data dir}/recordings`; undefined: off (`rtcroom serve` turns them on). */
  recording: RecordingConfig | undefined;
}

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/** Defaults for everything but the apps. */
export function defaultConfig(apps: AppRegistry, devApp?: App): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 7880,
    apps,
    devApp,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    snapshotIntervalMs: 50,
    maxMembersPerRoom: 5000,
    maxVisibleMembers: 50,
    maxPublishers: 30,
    rateLimit: { burst: 200, perSecond: 100 },
    maxConnectionsPerAddress: 200,
    maxFrameBytes: MAX_FRAME_BYTES,
    maxBufferedBytes: 8 * 1024 * 1024,
    sdkDir: here('../../sdk/dist/'),
    demoDir: here('../../demo/dist/'),
    dashboardDir: here('../../dashboard/dist/'),
    logLevel: 'info',
    media: { iceAddress: undefined, announcedAddress: undefined, portRange: undefined },
    turn: { urls: [], secret: undefined, ttlSeconds: DEFAULT_TURN_TTL_SECONDS },
    speakers: { ...DEFAULT_SPEAKER_OPTIONS },
    audioSelection: { aboveMembers: 20, maxSpeakers: 3 },
    tokenWillExpireLeadMs: 30_000,
    memoryReclaim: true,
    resumeGraceMs: 60_000,
    ghostTimeoutMs: 4000,
    serverPingMs: 1000,
    idleSessionMs: 30_000,
    workers: 1,
    adminKey: undefined,
    metricsKey: undefined,
    webhooks: { ...DEFAULT_WEBHOOKS, urls: [] },
    usage: undefined,
    cluster: undefined,
    native: nativeModeFromEnv(),
    recording: undefined,
  };
}
