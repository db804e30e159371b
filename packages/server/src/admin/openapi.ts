/**
 * The OpenAPI 3.1 document of the admin API, served at `/api/v1/openapi.json`. A test walks it
 * against the served routes (`route-table.ts`): every path and method here is served, and every
 * served route is here.
 * @module
 */
import { ID_RULE_TEXT } from '@rtcroom/protocol';
import { ADMIN_ERRORS } from './errors.ts';
import { MUTE_STREAM_TYPES } from '../room/moderation.ts';
import { DEFAULT_USAGE_DAYS, MAX_USAGE_DAYS } from './validation.ts';
import { RECORDING_ID_PATTERN } from '../recording/recordings.ts';
import { STOP_REASONS } from '../media/recording/manifest.ts';

/** Where the document is served. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const id = { type: 'string', pattern: `^${ID_RULE_TEXT}$` };
const isoTime = { type: 'string', format: 'date-time' };
const sources = { type: 'array', items: { type: 'string', enum: ['audio', 'screen', 'screenAudio', 'video'] } };

const param = (name: string, description: string, schema: object = id) => ({ name, in: 'path', required: true, description, schema });
const appId = param('appId', 'The app (24 characters, as in its tokens).', { type: 'string' });
const roomId = param('roomId', 'The room id.');
const userId = param('userId', 'The user id.');
const recordingId = param('id', 'The recording id (`rec_…`).', { type: 'string', pattern: RECORDING_ID_PATTERN.source });
const fileName = param('name', 'A file name the recording lists (`{userId}-{source}-{n}.webm`).', { type: 'string' });

const json = (schema: object) => ({ 'application/json': { schema } });
const ok = (description: string, schema: object) => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const errors = (...codes: number[]) => {
  const out: Record<string, object> = { '401': error('Missing or wrong admin key (`unauthorized`).') };
  for (const c of codes) {
    if (c === 400) out['400'] = error('Malformed path parameter, query or body (`bad_request`).');
    if (c === 404) out['404'] = error('Unknown app, room or user (`unknown_app`, `unknown_room`, `unknown_user`), or the API is off (`admin_api_disabled`).');
    if (c === 502) out['502'] = error('Cluster: the node holding the room refused this node\'s admin key (`cluster_key_mismatch`; the nodes must share one key).');
    if (c === 503) out['503'] = error('Cluster: Redis cannot be reached (`cluster_unavailable`), or the node holding the room did not answer in time (`node_unreachable`).');
  }
  return out;
};
/** Errors of the recording routes (`conflict`: the start's 409). */
const recordingErrors = (conflict = false) => ({
  ...errors(400),
  '404': error('Unknown app, room, recording or file (`unknown_app`, `unknown_room`, `unknown_recording`, `unknown_file`), recording off (`recording_disabled`), or the API is off (`admin_api_disabled`).'),
  ...(conflict ? { '409': error('The room is being recorded already (`already_recording`).') } : {}),
});
const security = [{ adminKey: [] }];

const number = { type: 'number' };
const integer = { type: 'integer', minimum: 0 };

/** The document. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'rtcroom admin API',
    version: '1.0.0',
    description:
      'Operate an rtcroom server: live rooms and members, kick, mute, close a room, usage records. ' +
      'Authenticate with `Authorization: Bearer <admin key>` (`--admin-key` / `RTCROOM_ADMIN_KEY`); with no key configured every route answers 404 `admin_api_disabled`. ' +
      'Errors are `{"error": {"code", "message"}}` with a stable `code`. ' +
      'In a cluster (`--redis`) any node answers for the whole cluster: a request about a room held by another node is forwarded to it (the nodes share one admin key).',
  },
  components: {
    securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key given to the server.' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string', enum: Object.keys(ADMIN_ERRORS) }, message: { type: 'string' } },
          },
        },
      },
      Room: {
        type: 'object',
        required: ['roomId', 'startedAt', 'members', 'visibleMembers', 'publishers'],
        properties: {
          roomId: id,
          startedAt: isoTime,
          members: { ...integer, description: 'Members, visible or not.' },
          visibleMembers: integer,
          publishers: { ...integer, description: 'Members publishing at least one stream.' },
          worker: { ...integer, description: 'The media worker hosting the room (with `--workers N`).' },
          node: { type: 'string', description: 'Cluster (`--redis`): the node holding the room.' },
        },
      },
      Member: {
        type: 'object',
        required: ['userId', 'joinedAt', 'visible', 'state', 'published', 'speaking'],
        properties: {
          userId: id,
          joinedAt: isoTime,
          visible: { type: 'boolean' },
          state: { type: 'string', enum: ['connected', 'reconnecting'], description: '`reconnecting`: its signaling was lost and it may still resume.' },
          published: { ...sources, description: 'Sources it publishes now.' },
          speaking: { type: 'boolean', description: 'Speaking now (voice activity on its microphone).' },
          level: { type: 'integer', minimum: 0, maximum: 127, description: 'While speaking: its voice level, RFC 6464 -dBov (0 loudest … 127 silence).' },
          stats: { ...ref('MediaStats'), description: 'Its media now; absent while it has no media connection or its media worker does not answer.' },
        },
      },
      MediaStats: {
        type: 'object',
        required: ['sendKbps', 'receiveKbps', 'lossPercent', 'downlinkKbps', 'videoPausedForBandwidth'],
        properties: {
          sendKbps: { ...number, minimum: 0, description: 'What reaches the server from it, all sources and simulcast layers (kbit/s, last second).' },
          receiveKbps: { ...number, minimum: 0, description: 'What the server forwards to it (kbit/s, last second).' },
          lossPercent: { ...number, minimum: 0, maximum: 100, description: 'Packets of its sources lost on the way to the server over the last 5 s (%).' },
          downlinkKbps: { type: ['number', 'null'], minimum: 0, description: "What the server estimates the member's downlink carries (kbit/s, transport-wide congestion control); null without a subscriber connection or while its client sends no feedback to measure with." },
          videoPausedForBandwidth: { type: 'boolean', description: 'Its video is paused because its downlink carries no video layer (audio only; the client was told with onRtcStateChanged 21956).' },
        },
      },
      RecordingFile: {
        type: 'object',
        required: ['name', 'userId', 'source', 'codec', 'contentType', 'startedAt', 'offsetMs', 'durationMs', 'bytes', 'frames', 'state'],
        properties: {
          name: { type: 'string', description: '`{userId}-{source}-{n}.webm`: the n-th publication of that track during the recording.' },
          userId: id,
          source: { type: 'string', enum: ['audio', 'screen', 'screenAudio', 'video'] },
          codec: { type: 'string', enum: ['opus', 'vp8'] },
          contentType: { type: 'string', enum: ['audio/webm', 'video/webm'] },
          startedAt: { ...isoTime, description: 'Wall-clock time of its first frame.' },
          offsetMs: { ...number, description: 'Its first frame after the recording started (ms): aligns the files.' },
          durationMs: { ...number, description: 'Media duration (ms); grows while written.' },
          bytes: integer,
          frames: integer,
          width: integer,
          height: integer,
          state: { type: 'string', enum: ['writing', 'complete', 'failed'] },
          error: { type: 'string' },
        },
      },
      Recording: {
        type: 'object',
        required: ['id', 'appId', 'roomId', 'status', 'startedAt', 'files'],
        properties: {
          id: { type: 'string', pattern: RECORDING_ID_PATTERN.source },
          appId: { type: 'string' },
          roomId: id,
          status: { type: 'string', enum: ['recording', 'stopped', 'interrupted'], description: '`interrupted`: cut off by a server restart or a media worker crash (its files are readable).' },
          startedAt: isoTime,
          stoppedAt: isoTime,
          stopReason: { type: 'string', enum: [...STOP_REASONS], description: '`limit`: --max-recording-minutes reached.' },
          files: { type: 'array', items: ref('RecordingFile') },
        },
      },
      RoomUsage: {
        type: 'object',
        required: ['roomId', 'calls', 'participantSeconds', 'participantMinutes'],
        properties: { roomId: id, calls: integer, participantSeconds: number, participantMinutes: number },
      },
      DayUsage: {
        type: 'object',
        required: ['day', 'participantSeconds', 'participantMinutes'],
        properties: { day: { type: 'string', format: 'date' }, participantSeconds: number, participantMinutes: number },
      },
    },
  },
  security,
  paths: {
    '/api/v1/apps': {
      get: {
        operationId: 'listApps',
        summary: 'The apps this server serves (ids only, never keys).',
        responses: {
          '200': ok('The apps.', { type: 'object', required: ['apps'], properties: { apps: { type: 'array', items: { type: 'object', required: ['appId'], properties: { appId: { type: 'string' } } } } } }),
          ...errors(),
        },
      },
    },
    '/api/v1/apps/{appId}/rooms': {
      get: {
        operationId: 'listRooms',
        summary: 'Live rooms of an app with member counts and start time; on a cluster node, the rooms of every live node (each with its `node`).',
        parameters: [appId],
        responses: { '200': ok('The rooms, by room id.', { type: 'object', required: ['rooms'], properties: { rooms: { type: 'array', items: ref('Room') } } }), ...errors(404, 503) },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}': {
      delete: {
        operationId: 'closeRoom',
        summary: 'Closes the room: every member gets onRtcChatInterrupted 21914 and leaves (its SDK does not rejoin).',
        parameters: [appId, roomId],
        responses: {
          '200': ok('Closed.', { type: 'object', required: ['roomId', 'closed', 'members'], properties: { roomId: id, closed: { const: true }, members: { ...integer, description: 'Members removed.' } } }),
          ...errors(400, 404, 502, 503),
        },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/members': {
      get: {
        operationId: 'listMembers',
        summary: 'Members of a room with the streams they publish, who speaks, and each one\'s bitrate and loss.',
        parameters: [appId, roomId],
        responses: {
          '200': ok('The room and its members in join order.', { type: 'object', required: ['room', 'members'], properties: { room: ref('Room'), members: { type: 'array', items: ref('Member') } } }),
          ...errors(400, 404, 502, 503),
        },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/members/{userId}/kick': {
      post: {
        operationId: 'kickMember',
        summary: 'Removes a member: it gets onRtcChatInterrupted 21913 and its SDK does not rejoin.',
        parameters: [appId, roomId, userId],
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false }) },
        responses: {
          '200': ok('Removed.', { type: 'object', required: ['roomId', 'userId', 'kicked'], properties: { roomId: id, userId: id, kicked: { const: true } } }),
          ...errors(400, 404, 502, 503),
        },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/members/{userId}/mute': {
      post: {
        operationId: 'muteMember',
        summary: 'Stops forwarding one kind of stream of a member (server-side unpublish); the member gets onRtcStateChanged 21958 and stops sending it.',
        parameters: [appId, roomId, userId],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['streamType'],
            additionalProperties: false,
            properties: { streamType: { type: 'string', enum: [...MUTE_STREAM_TYPES], description: '`screen` stops the screen share and its audio.' } },
          }),
        },
        responses: {
          '200': ok('Done; `stopped` is empty when the member did not publish that kind.', {
            type: 'object',
            required: ['roomId', 'userId', 'streamType', 'stopped'],
            properties: { roomId: id, userId: id, streamType: { type: 'string', enum: [...MUTE_STREAM_TYPES] }, stopped: sources },
          }),
          ...errors(400, 404, 502, 503),
        },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/recordings': {
      post: {
        operationId: 'startRecording',
        summary:
          'Starts recording the room: one WebM file per published track (VP8 video, Opus audio) written from the forwarded RTP; a track unpublished and published again continues in its next file. Stops on stopRecording, when the room closes, or after --max-recording-minutes.',
        parameters: [appId, roomId],
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false }) },
        responses: { '200': ok('Started.', ref('Recording')), ...recordingErrors(true) },
      },
      get: {
        operationId: 'listRecordings',
        summary: 'Recordings of the room, running and finished (also after the room closed), oldest first.',
        parameters: [appId, roomId],
        responses: { '200': ok('The recordings.', { type: 'object', required: ['recordings'], properties: { recordings: { type: 'array', items: ref('Recording') } } }), ...recordingErrors() },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/recordings/{id}': {
      get: {
        operationId: 'getRecording',
        summary: 'One recording with its files.',
        parameters: [appId, roomId, recordingId],
        responses: { '200': ok('The recording.', ref('Recording')), ...recordingErrors() },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/recordings/{id}/stop': {
      post: {
        operationId: 'stopRecording',
        summary: 'Stops the recording; answers once its files are finished. A stopped recording is answered as it is.',
        parameters: [appId, roomId, recordingId],
        responses: { '200': ok('Stopped.', ref('Recording')), ...recordingErrors() },
      },
    },
    '/api/v1/apps/{appId}/rooms/{roomId}/recordings/{id}/files/{name}': {
      get: {
        operationId: 'downloadRecordingFile',
        summary: 'Downloads one file of a recording (only names its manifest lists are served).',
        parameters: [appId, roomId, recordingId, fileName],
        responses: {
          '200': { description: 'The WebM file.', content: { 'video/webm': { schema: { type: 'string', format: 'binary' } }, 'audio/webm': { schema: { type: 'string', format: 'binary' } } } },
          ...recordingErrors(),
        },
      },
    },
    '/api/v1/apps/{appId}/usage': {
      get: {
        operationId: 'getUsage',
        summary: 'Participant-minutes and calls per room and participant-minutes per UTC day, over a window.',
        parameters: [
          appId,
          { name: 'from', in: 'query', required: false, description: `Window start: ISO 8601 date or date-time, or Unix ms (default: ${DEFAULT_USAGE_DAYS} days before \`to\`).`, schema: { type: 'string' } },
          { name: 'to', in: 'query', required: false, description: `Window end (default: now); at most ${MAX_USAGE_DAYS} days after \`from\`.`, schema: { type: 'string' } },
        ],
        responses: {
          '200': ok('Usage: presence inside the window, summed over members; a call counts when it overlaps the window; calls still going count up to now.', {
            type: 'object',
            required: ['appId', 'from', 'to', 'rooms', 'days', 'totals'],
            properties: {
              appId: { type: 'string' },
              from: isoTime,
              to: isoTime,
              rooms: { type: 'array', items: ref('RoomUsage') },
              days: { type: 'array', items: ref('DayUsage') },
              totals: { type: 'object', required: ['calls', 'participantSeconds', 'participantMinutes'], properties: { calls: integer, participantSeconds: number, participantMinutes: number } },
            },
          }),
          ...errors(400, 404),
        },
      },
    },
  },
} as const;
