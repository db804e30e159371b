/**
 * The one message protocol between the main process and its media workers (`rtcroom serve
 * --workers N`, N ≥ 2). The main process owns HTTP, signaling, apps, tokens and room state
 * (members, visibility, grants, the list events); a worker owns the media of the rooms placed on
 * it: werift peer connections and their UDP sockets, producers, consumers, the packet path,
 * speaker detection, downlink allocation and dynacast. A room lives on one worker.
 *
 * What crosses the boundary is exactly the `RoomMedia` interface (`room/room-media.ts`):
 *
 * main → worker
 * - room lifecycle: `createRoom` (with its members), `closeRoom`;
 * - the member mirror: `memberJoined`, `memberLeft`, `memberUpdated` (visibility, grants,
 *   autoSubscribe), `memberResumed`, `refreshMember` (grants changed: subscriptions re-applied);
 * - a member's signaling requests: `publisherOffer`, `subscriberAnswer`, `setPublish`,
 *   `setSubscribe`, `setViews`, `restartSubscriberIce`; each carries an `id` and is answered by a
 *   `reply` after the worker applied it, so whatever the worker sent meanwhile (a subscriber
 *   offer, on the same ordered channel) reaches the client before the request's reply, as in
 *   process; and a failure comes back as the error it would have been in process;
 * - recording: `startRecording` (id, folder, start time), `stopRecording` (id, reason), requests
 *   answered once the worker wrote the manifest (start) or finished the files (stop);
 * - `unpublishAll` (visibility off, publish privilege expired: no client request waits on it);
 * - `shutdown`.
 *
 * worker → main
 * - `ready` once it listens; `reply` to a request (a result, or an error payload of the error table);
 * - `toMember`: a frame for one member's signaling session (subscriber offers, dynacast layers,
 *   bandwidth and stall notices), already serialised;
 * - `publications`: a room's active publications (who publishes what since when), after each
 *   change: the main process keeps the publisher lists and the publisher limit from it;
 * - `activeSpeakers`: voice activity of a room, when it changes (and levels while speech goes on);
 * - `activity`: every member's last media activity (liveness, ghosts), twice a second;
 * - `load`: counts and packet rates once a second (placement, `/healthz`).
 *
 * Rooms and members are named by numbers the main process assigns (`room`, `member`), never by
 * ids alone: a room closed and opened again, or a user who left and joined again, is a new one.
 * Times cross as `performance.timeOrigin + performance.now()` (ms, the same clock in every process
 * of the machine). Every message is validated on arrival (`parseMainToWorker`,
 * `parseWorkerToMain`); a message that fails is logged and dropped.
 * @module
 */
import * as z from 'zod/mini';
import { TRACK_SOURCES, type RtcErrorPayload } from '@rtcroom/protocol';
import { LOG_LEVELS } from '../log.ts';
import { NATIVE_MODES } from '../media/native/send-path.ts';
import { STOP_REASONS } from '../media/recording/manifest.ts';
import type { MemberMediaStats } from '../media/member-stats.ts';

const count = z.number().check(z.int(), z.minimum(0));
const ref = z.number().check(z.int(), z.minimum(1));
const finite = z.number(); // zod 4 refuses NaN and ±Infinity
const trackSource = z.enum(TRACK_SOURCES);
const text = (max: number) => z.string().check(z.maxLength(max));
const sdp = text(100_000);

/** A member as the media side sees it (a mirror of the main process's `Member`). */
export const memberInfoSchema = z.object({
  /** The main process's number for this member (unique per process run). */
  key: ref,
  userId: text(256),
  visible: z.boolean(),
  autoSubscribe: z.boolean(),
  /** Token grants: expiries in Unix seconds, 0 = never, absent = not granted. */
  grants: z.object({ tokenExpireAt: count, publishExpireAt: z.optional(count), subscribeExpireAt: z.optional(count) }),
});
/** A member as the media side sees it. */
export type MemberInfo = z.output<typeof memberInfoSchema>;

/** What one page shows of a remote video (adaptive stream). */
const viewSchema = z.object({
  userId: text(256),
  source: z.enum(['video', 'screen']),
  width: count,
  height: count,
  visible: z.boolean(),
});

const inRoom = { room: ref };
const ofMember = { room: ref, member: ref };

/** Messages main → worker. */
export const mainToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('createRoom'), ...inRoom, appId: text(128), roomId: text(256), members: z.array(memberInfoSchema) }),
  z.object({ type: z.literal('closeRoom'), ...inRoom }),
  z.object({ type: z.literal('memberJoined'), ...inRoom, member: memberInfoSchema }),
  z.object({ type: z.literal('memberLeft'), ...ofMember }),
  z.object({ type: z.literal('memberUpdated'), ...inRoom, member: memberInfoSchema }),
  z.object({ type: z.literal('memberResumed'), ...ofMember }),
  z.object({ type: z.literal('refreshMember'), ...inRoom, member: memberInfoSchema }),
  z.object({ type: z.literal('publisherOffer'), id: ref, ...ofMember, sdp, sources: z.record(text(32), trackSource), api: text(64) }),
  z.object({ type: z.literal('subscriberAnswer'), id: ref, ...ofMember, offerId: count, sdp }),
  z.object({ type: z.literal('setPublish'), id: ref, ...ofMember, sources: z.array(trackSource), publish: z.boolean() }),
  z.object({ type: z.literal('unpublishAll'), ...ofMember }),
  z.object({ type: z.literal('setSubscribe'), id: ref, ...ofMember, userId: text(256), sources: z.array(trackSource), subscribe: z.boolean() }),
  z.object({ type: z.literal('setViews'), id: ref, ...ofMember, views: z.array(viewSchema).check(z.maxLength(256)) }),
  z.object({ type: z.literal('restartSubscriberIce'), id: ref, ...ofMember }),
  z.object({ type: z.literal('startRecording'), id: ref, ...inRoom, recordingId: text(64), dir: text(4096), startedAt: finite }),
  z.object({ type: z.literal('stopRecording'), id: ref, ...inRoom, recordingId: text(64), reason: z.enum(STOP_REASONS) }),
  z.object({ type: z.literal('memberStats'), id: ref, ...inRoom }),
  z.object({ type: z.literal('shutdown') }),
]);
/** A message main → worker. */
export type MainToWorker = z.output<typeof mainToWorkerSchema>;
/** The `type` of a main → worker message. */
export type MainToWorkerType = MainToWorker['type'];
/** The main → worker message of type `T`. */
export type MainToWorkerOf<T extends MainToWorkerType> = Extract<MainToWorker, { type: T }>;

/** Results of the requests (messages with an `id`), by type. */
export interface RequestResults {
  publisherOffer: { sdp: string };
  subscriberAnswer: Record<string, never>;
  setPublish: Record<string, never>;
  setSubscribe: Record<string, never>;
  setViews: Record<string, never>;
  restartSubscriberIce: Record<string, never>;
  startRecording: Record<string, never>;
  stopRecording: Record<string, never>;
  memberStats: { members: MemberMediaStats[] };
}
/** A request type: a main → worker message answered by a `reply`. */
export type RequestType = keyof RequestResults;
/** A request message, without its `id` (the link assigns it). */
export type RequestOf<T extends RequestType> = Omit<MainToWorkerOf<T>, 'id'>;

const errorPayloadSchema = z.object({
  errMsg: text(4096),
  errNo: z.optional(z.number()),
  errorCode: z.optional(z.number()),
  errorType: z.optional(z.enum(['D', 'U', 'F', 'I'])),
});

/** Load of one worker, reported once a second. */
export const loadSchema = z.object({
  rooms: count,
  /** Open peer connections (two per member with media: publisher, subscriber). */
  peers: count,
  producers: count,
  consumers: count,
  /** RTP packets forwarded to subscribers since the worker started. */
  forwarded: count,
  /** RTP packets received from publishers since the worker started. */
  received: count,
  /** The rest of the worker's media counters since it started (`media/metrics.ts`). */
  forwardedBytes: count,
  receivedBytes: count,
  lost: count,
  nacks: count,
  retransmitted: count,
  plisReceived: count,
  plisSent: count,
  heldStarts: count,
  layerStepsDown: count,
  layerStepsUp: count,
  bandwidthPauses: count,
  consentAnswered: count,
  consentChecksSent: count,
  consentAnswersReceived: count,
  /** Forwarded packets per second over the last report interval. */
  forwardedPps: finite,
  /** Received packets per second over the last report interval. */
  receivedPps: finite,
  rssBytes: count,
  /** How late the worker's own report timer fired (ms): its event loop's lag. */
  loopLagMs: finite,
});
/** Load of one worker. */
export type WorkerLoad = z.output<typeof loadSchema>;

/** Messages worker → main. */
export const workerToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), index: count, pid: count }),
  z.object({ type: z.literal('reply'), id: ref, result: z.optional(z.record(z.string(), z.unknown())), error: z.optional(errorPayloadSchema) }),
  z.object({ type: z.literal('toMember'), ...ofMember, frame: text(1_000_000) }),
  z.object({ type: z.literal('publications'), ...inRoom, list: z.array(z.object({ member: ref, source: trackSource, since: finite })) }),
  z.object({
    type: z.literal('activeSpeakers'),
    ...inRoom,
    speakers: z.array(z.object({ userId: text(256), level: finite })),
    /** The set or its order changed (else: the levels are due again while speech goes on). */
    changed: z.boolean(),
  }),
  /** `[room, member, at]` for every member with a media connection. */
  z.object({ type: z.literal('activity'), entries: z.array(z.tuple([ref, ref, finite])) }),
  z.object({ type: z.literal('load'), load: loadSchema }),
]);
/** A message worker → main. */
export type WorkerToMain = z.output<typeof workerToMainSchema>;
/** The worker → main message of type `T`. */
export type WorkerToMainOf<T extends WorkerToMain['type']> = Extract<WorkerToMain, { type: T }>;

/** A reply: the request's result, or the error (a payload of the error table) it failed with. */
export type Reply<T extends RequestType> = { type: 'reply'; id: number; result: RequestResults[T]; error?: undefined } | { type: 'reply'; id: number; result?: undefined; error: RtcErrorPayload };

/** What a worker is started with (JSON in the environment variable {@link WORKER_CONFIG_ENV}). */
export const workerConfigSchema = z.object({
  /** Which worker (0-based): logs, and its slice of the media port range. */
  index: count,
  media: z.object({
    iceAddress: z.optional(text(64)),
    announcedAddress: z.optional(text(64)),
    portRange: z.optional(z.tuple([count, count])),
    testSubscriberLossPercent: z.optional(finite),
    opusDtx: z.optional(z.boolean()),
  }),
  speakers: z.object({
    thresholdDbov: finite,
    onsetPackets: finite,
    onsetWindowMs: finite,
    hangMs: finite,
    noiseMarginDb: finite,
    floorWindowMs: finite,
    floorPercentile: finite,
  }),
  audioSelection: z.object({ aboveMembers: count, maxSpeakers: count }),
  logLevel: z.enum(LOG_LEVELS),
  /** `--native`: the worker chooses its send path as the main process did. */
  native: z.enum(NATIVE_MODES),
});
/** What a worker is started with. */
export type WorkerConfig = z.output<typeof workerConfigSchema>;

/** The environment variable carrying a worker's {@link WorkerConfig}. */
export const WORKER_CONFIG_ENV = 'RTCROOM_WORKER_CONFIG';

/** Parses a main → worker message; undefined (and `why` filled) when it is not one. */
export function parseMainToWorker(input: unknown, why?: (detail: string) => void): MainToWorker | undefined {
  const r = mainToWorkerSchema.safeParse(input);
  if (r.success) return r.data;
  why?.(describeIssue(r.error.issues[0]));
  return undefined;
}

/** Parses a worker → main message; undefined (and `why` filled) when it is not one. */
export function parseWorkerToMain(input: unknown, why?: (detail: string) => void): WorkerToMain | undefined {
  const r = workerToMainSchema.safeParse(input);
  if (r.success) return r.data;
  why?.(describeIssue(r.error.issues[0]));
  return undefined;
}

/** Parses a worker's configuration (the JSON text of {@link WORKER_CONFIG_ENV}); throws when it is not one. */
export function parseWorkerConfig(json: string | undefined): WorkerConfig {
  if (json === undefined) throw new Error(`${WORKER_CONFIG_ENV} is not set: a media worker is started by "rtcroom serve --workers N"`);
  const r = workerConfigSchema.safeParse(JSON.parse(json));
  if (!r.success) throw new Error(`${WORKER_CONFIG_ENV}: ${describeIssue(r.error.issues[0])}`);
  return r.data;
}

function describeIssue(issue: { path: readonly PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid message';
  return `${issue.path.map(String).join('.') || 'message'}: ${issue.message}`;
}
