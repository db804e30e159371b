/**
 * Signaling messages between the SDK and the server, as zod schemas and inferred types.
 *
 * Client → server: requests `{ id, method, params }`; `method` is the Douyin API name the request
 * serves (so error texts read `joinRtcRoom:fail …`), or `ping` for the heartbeat.
 * Server → client: replies `{ id, result }` / `{ id, error }` and pushed events `{ event, data }`.
 * @module
 */
import * as z from 'zod/mini';
import { API_NAMES, ID_PATTERN, ID_RULE_TEXT, NODE_ID_PATTERN, STREAM_TYPES, TRACK_SOURCES, type TrackSource } from './constants.ts';
import type { RtcErrorPayload } from './errors.ts';

/** A room or user id (Volcengine rule). */
export const idSchema = z.string().check(z.regex(ID_PATTERN, { message: ID_RULE_TEXT }));

/** A cluster node id (`--node-id`). */
export const nodeIdSchema = z.string().check(z.regex(NODE_ID_PATTERN, { message: 'node ids are 1-64 characters of A-Z a-z 0-9 _ . -' }));

/** `joinRtcRoom`'s `roomConfig`. */
export const roomConfigSchema = z.object({
  autoPublish: z.optional(z.boolean()),
  autoSubscribe: z.optional(z.boolean()),
});

/** Options of the SDK's `joinRtcRoom` (callbacks aside). */
export const joinOptionsSchema = z.object({
  roomId: idSchema,
  userId: idSchema,
  token: z.string().check(z.minLength(1), z.maxLength(4096)),
  roomConfig: z.optional(roomConfigSchema),
});

/** Options of the SDK's `exitRtcRoom` (callbacks aside). */
export const exitOptionsSchema = z.object({ roomId: idSchema });

/** An SDP blob (offers and answers stay well under the frame limit). */
const sdpSchema = z.string().check(z.minLength(10), z.maxLength(60_000));
/** A track source. */
export const trackSourceSchema = z.enum(TRACK_SOURCES);
/** A Douyin stream type. */
export const streamTypeSchema = z.enum(STREAM_TYPES);
/** A 0/1 switch as the Douyin API takes it. */
export const stateSchema = z.literal([0, 1]);

/** Options of `changeStreamPublishState`. */
export const publishStateOptionsSchema = z.object({ state: stateSchema, streamType: streamTypeSchema });
/** Options of `changeStreamSubscribeState` and `changeScreenSubscribeState`. */
export const subscribeStateOptionsSchema = z.object({ state: stateSchema, userId: idSchema, streamType: streamTypeSchema });
/** Options of `updateToken`. */
export const updateTokenOptionsSchema = z.object({ token: z.string().check(z.minLength(1), z.maxLength(4096)) });
/** Options of `changeUserVisibility`. */
export const visibilityOptionsSchema = z.object({ visible: z.boolean() });

/** Options of `changeAudioCapture` / `changeVideoCapture`. */
export const captureOptionsSchema = z.object({ state: stateSchema });

/** Params of each request method. */
export const REQUEST_PARAMS = {
  /** Heartbeat; any message counts, this one exists for idle clients. */
  ping: z.optional(z.object({})),
  /** Join a room. `appId` is the context's. */
  joinRtcRoom: z.extend(joinOptionsSchema, {
    appId: z.string().check(z.minLength(1), z.maxLength(128)),
    visible: z.optional(z.boolean()),
    /**
     * Cluster: ids of nodes this client could not reach during its rejoin. When the room is pinned
     * to one of them, the node checks it itself and takes the room over if it does not answer.
     */
    avoidNodes: z.optional(z.array(nodeIdSchema).check(z.maxLength(16))),
  }),
  /** Replace the token of the current session. */
  updateToken: updateTokenOptionsSchema,
  /** Become visible or invisible to the others. */
  setVisibility: visibilityOptionsSchema,
  /** Leave the room. */
  exitRtcRoom: exitOptionsSchema,
  /** Take over the member of a lost session (resume token from the join reply). */
  resumeSession: z.object({ resumeToken: z.string().check(z.minLength(8), z.maxLength(128)) }),
  /** The publisher connection's offer (client offers); `sources` names what each m-line carries. */
  publisherOffer: z.object({ sdp: sdpSchema, sources: z.record(z.string().check(z.maxLength(32)), trackSourceSchema) }),
  /** Start or stop forwarding one of the member's sources. */
  setPublish: z.object({ sources: z.array(trackSourceSchema).check(z.minLength(1), z.maxLength(4)), publish: z.boolean() }),
  /** The subscriber connection's answer to the server's `subscriberOffer`. */
  subscriberAnswer: z.object({ sdp: sdpSchema, offerId: z.number().check(z.int(), z.minimum(0)) }),
  /**
   * Restart ICE on the subscriber connection (the client's network changed): the server sends a
   * fresh `subscriberOffer` with new ICE credentials. The publisher connection restarts from the
   * client's side, with a new `publisherOffer`.
   */
  restartSubscriberIce: z.optional(z.object({})),
  /**
   * What the page shows of remote videos (adaptive stream): per remote camera or screen, the
   * largest rendered size in device pixels and whether it is visible. The server sends no larger
   * simulcast layer than that, and no video for a hidden one.
   */
  setViews: z.object({
    views: z
      .array(
        z.object({
          userId: idSchema,
          source: z.enum(['video', 'screen']),
          width: z.number().check(z.int(), z.minimum(0), z.maximum(16384)),
          height: z.number().check(z.int(), z.minimum(0), z.maximum(16384)),
          visible: z.boolean(),
        }),
      )
      .check(z.maxLength(64)),
  }),
  /** Subscribe to or unsubscribe from some sources of a remote user. */
  setSubscribe: z.object({ userId: idSchema, sources: z.array(trackSourceSchema).check(z.minLength(1), z.maxLength(4)), subscribe: z.boolean() }),
} as const;

/** A request method name. */
export type RequestMethod = keyof typeof REQUEST_PARAMS;

/** Validated params of method `M`. */
export type RequestParams<M extends RequestMethod> = z.output<(typeof REQUEST_PARAMS)[M]>;

/** True when `m` names a request method. */
export function isRequestMethod(m: string): m is RequestMethod {
  return Object.hasOwn(REQUEST_PARAMS, m);
}

/** The outer shape every client frame must have; params are checked per method afterwards. */
export const requestEnvelopeSchema = z.object({
  id: z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  method: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The Douyin API the request serves, used as the errMsg prefix. */
  api: z.optional(z.enum(API_NAMES)),
  params: z.optional(z.unknown()),
});

/** A full-list snapshot, as every `on*Changed` event carries. */
export interface Snapshot {
  /** Room the list belongs to. */
  roomId: string;
  /** Full list of user ids, the local user included where it belongs. */
  userIdList: string[];
}

/** An ICE server for the client's connections (as `RTCIceServer`): STUN, or TURN with a short-lived credential. */
export interface IceServer {
  /** `stun:`, `turn:` or `turns:` URLs. */
  urls: string[];
  /** TURN username (`expiry:userId`). */
  username?: string;
  /** TURN password for `username`. */
  credential?: string;
}

/** Result of `joinRtcRoom`. */
export interface JoinResult {
  /** Room joined. */
  roomId: string;
  /** The joined user. */
  userId: string;
  /** Members right after the join (the local user included). */
  members: string[];
  /** Users publishing camera video right after the join. */
  videoMembers: string[];
  /** Users publishing a screen share right after the join. */
  screenMembers: string[];
  /** Users whose microphone audio is published right after the join (the local user included). */
  speakers: string[];
  /** Users speaking right after the join, loudest first (voice activity, web extension). */
  activeSpeakers: ActiveSpeaker[];
  /** Whether the token allows publishing (visibility aside). */
  canPublish: boolean;
  /** Whether the token allows subscribing. */
  canSubscribe: boolean;
  /** How often the client should send a heartbeat, in ms. */
  heartbeatIntervalMs: number;
  /** After this long without a message the server drops the session, in ms. */
  heartbeatTimeoutMs: number;
  /** When the token stops being valid (Unix seconds; 0 = never). */
  tokenExpireAt: number;
  /** Lets a new connection take this member over after the connection is lost (`resumeSession`). */
  resumeToken: string;
  /** How long the server keeps a member whose connection was lost, waiting for a resume (ms). */
  resumeGraceMs: number;
  /** ICE servers (TURN relays) the client should use; fresh credentials on every join and resume. */
  iceServers: IceServer[];
  /** Present when the server runs in a cluster (`--redis`): this node and the others the client may rejoin through. */
  cluster?: ClusterInfo;
}

/** A node of a cluster, as a client reaches it. */
export interface ClusterNodeAddress {
  /** The node id (`--node-id`). */
  id: string;
  /** Its public URL (`http(s)://host:port`, `--public-url`); the signaling WebSocket is at `/rtc` below it. */
  url: string;
}

/** The cluster as the join reply describes it. */
export interface ClusterInfo {
  /** The node that answered (and holds the room). */
  nodeId: string;
  /** The other live nodes that take new rooms (not draining), for the SDK's rejoin when this node is gone. */
  nodes: ClusterNodeAddress[];
}

/**
 * The reply to `joinRtcRoom` on a node that does not hold the room (cluster): join again through
 * `url`, the room's node. Nothing happened on this node.
 */
export interface JoinRedirect {
  /** Where the room lives. */
  redirect: ClusterNodeAddress;
}

/** True when a `joinRtcRoom` reply is a redirect to another node. */
export function isJoinRedirect(r: JoinResult | JoinRedirect): r is JoinRedirect {
  return (r as Partial<JoinRedirect>).redirect !== undefined;
}

/** One member speaking now (voice activity) and how loud. */
export interface ActiveSpeaker {
  /** Who speaks. */
  userId: string;
  /** RFC 6464 level, -dBov: 0 loudest … 127 silence (smoothed over the last packets). */
  level: number;
}

/** The members speaking now, loudest first. */
export interface ActiveSpeakers {
  /** Room the list belongs to. */
  roomId: string;
  /** Speakers, loudest first. */
  speakers: ActiveSpeaker[];
}

/** Results per method. */
export interface RequestResults {
  ping: { serverTime: number };
  joinRtcRoom: JoinResult | JoinRedirect;
  resumeSession: JoinResult;
  exitRtcRoom: Record<string, never>;
  publisherOffer: { sdp: string };
  setPublish: Record<string, never>;
  subscriberAnswer: Record<string, never>;
  setSubscribe: Record<string, never>;
  restartSubscriberIce: Record<string, never>;
  setViews: Record<string, never>;
  updateToken: { tokenExpireAt: number };
  setVisibility: Record<string, never>;
}

/** What one m-line of the subscriber connection carries. */
export interface SubscribedTrack {
  /** The m-line. */
  mid: string;
  /** Whose track. */
  userId: string;
  /** Which of their tracks. */
  source: TrackSource;
}

/** Events the server pushes. */
export interface ServerEvents {
  /** Members of the room changed (full snapshot). */
  rtcChatMembersChanged: Snapshot;
  /** Users publishing camera video changed. */
  rtcVideoMembersChanged: Snapshot;
  /** Users publishing a screen share changed. */
  rtcPublishScreenMembersChanged: Snapshot;
  /** Users whose microphone audio is published changed (the Douyin speakers event). */
  rtcChatSpeakersChanged: Snapshot;
  /** Users speaking now changed, or their levels did (voice activity, web extension). */
  rtcActiveSpeakersChanged: ActiveSpeakers;
  /** The token (or one of its privileges) expires in `inSeconds`: call `updateToken`. */
  tokenWillExpire: { expireAt: number; inSeconds: number };
  /** The call was cut by the server (token expired, shutdown, …); the session is over. */
  interrupted: RtcErrorPayload;
  /** Something changed during the call (`publishExpired`, …). */
  stateChanged: { errNo: number; errMsg: string; data: Record<string, unknown> };
  /**
   * Dynacast: which simulcast layers of a published source anyone can use now (lowest first);
   * the client stops encoding the others until told again.
   */
  publishLayers: { source: TrackSource; active: boolean[] };
  /** The server (re)negotiates the subscriber connection; answer with `subscriberAnswer`. */
  subscriberOffer: { pcId: number; offerId: number; sdp: string; tracks: SubscribedTrack[] };
}

/** A request frame. */
export interface RequestFrame<M extends RequestMethod = RequestMethod> {
  id: number;
  method: M;
  params?: RequestParams<M>;
}

/** A reply frame. */
export type ReplyFrame =
  | { id: number; result: RequestResults[RequestMethod] }
  | { id: number | null; error: RtcErrorPayload };

/** An event frame. */
export type EventFrame = { [E in keyof ServerEvents]: { event: E; data: ServerEvents[E] } }[keyof ServerEvents];

/** Anything the server sends. */
export type ServerFrame = ReplyFrame | EventFrame;
