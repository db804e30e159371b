/**
 * The webhook events and their JSON bodies, built from the room activity stream.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SOURCE_KIND, type TrackSource } from '@rtcroom/protocol';
import type { RoomActivity, RoomActivityEvents } from '../ops/room-activity.ts';

/** Event names of the webhooks. */
export const WEBHOOK_EVENTS = ['room_started', 'room_finished', 'member_joined', 'member_left', 'stream_published', 'stream_unpublished'] as const;
/** A webhook event name. */
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The JSON body of every webhook request. */
export interface WebhookBody {
  /** Unique id of the event (a UUID): the same on every retry, so receivers can drop repeats. */
  id: string;
  event: WebhookEventName;
  /** When it happened, ISO 8601. */
  time: string;
  appId: string;
  roomId: string;
  /** `room_started`, `room_finished`. */
  room?: { startedAt: string; endedAt?: string; durationSeconds?: number };
  /** `member_*` and `stream_*`. */
  member?: { userId: string; joinedAt: string; leftAt?: string; reason?: string; published?: TrackSource[] };
  /** `stream_*`. */
  stream?: { source: TrackSource; kind: 'audio' | 'video' };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Calls `emit` with the body of every webhook event `activity` reports, in order. */
export function webhookEvents(activity: RoomActivity, emit: (body: WebhookBody) => void): void {
  const base = (event: WebhookEventName, at: number, appId: string, roomId: string) => ({ id: randomUUID(), event, time: iso(at), appId, roomId });
  const stream = (event: WebhookEventName) => (e: RoomActivityEvents['streamPublished'][0]) =>
    emit({ ...base(event, e.at, e.appId, e.roomId), member: { userId: e.userId, joinedAt: iso(e.joinedAt) }, stream: { source: e.source, kind: SOURCE_KIND[e.source] } });
  activity.on('roomStarted', (e) => emit({ ...base('room_started', e.startedAt, e.appId, e.roomId), room: { startedAt: iso(e.startedAt) } }));
  activity.on('roomFinished', (e) =>
    emit({ ...base('room_finished', e.endedAt, e.appId, e.roomId), room: { startedAt: iso(e.startedAt), endedAt: iso(e.endedAt), durationSeconds: Math.round((e.endedAt - e.startedAt) / 100) / 10 } }),
  );
  activity.on('memberJoined', (e) => emit({ ...base('member_joined', e.joinedAt, e.appId, e.roomId), member: { userId: e.userId, joinedAt: iso(e.joinedAt) } }));
  activity.on('memberLeft', (e) =>
    emit({ ...base('member_left', e.leftAt, e.appId, e.roomId), member: { userId: e.userId, joinedAt: iso(e.joinedAt), leftAt: iso(e.leftAt), reason: e.reason, published: e.published } }),
  );
  activity.on('streamPublished', stream('stream_published'));
  activity.on('streamUnpublished', stream('stream_unpublished'));
}
