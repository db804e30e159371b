/**
 * The admin API's error replies: `{"error": {"code": "<stable code>", "message": "<text>"}}`.
 * Codes never change meaning; messages are for people.
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/json.ts';

/** Stable error codes of the admin API, with their HTTP status. */
export const ADMIN_ERRORS = {
  /** No admin key is configured: the API is off. */
  admin_api_disabled: 404,
  /** The `Authorization: Bearer` key is missing or wrong. */
  unauthorized: 401,
  /** No such route. */
  not_found: 404,
  /** The route exists, not with this method (the `Allow` header lists the methods). */
  method_not_allowed: 405,
  /** A path parameter, query parameter or body is malformed. */
  bad_request: 400,
  /** The app is not configured on this server. */
  unknown_app: 404,
  /** The room has no members now (rooms exist while someone is in them). */
  unknown_room: 404,
  /** The user is not in that room. */
  unknown_user: 404,
  /** Usage records are off (`--no-usage`). */
  usage_disabled: 404,
  /** Recording is off on this server (no recordings folder configured). */
  recording_disabled: 404,
  /** No recording with that id in that room. */
  unknown_recording: 404,
  /** The recording has no file of that name. */
  unknown_file: 404,
  /** The room is being recorded already (one recording per room at a time). */
  already_recording: 409,
  /** Cluster: Redis cannot be reached, so rooms of other nodes cannot be listed or found. */
  cluster_unavailable: 503,
  /** Cluster: the node holding the room did not answer the forwarded request in time. */
  node_unreachable: 503,
  /** Cluster: the node holding the room refused this node's admin key (the nodes must share one key). */
  cluster_key_mismatch: 502,
  /** Something failed on the server (logged). */
  internal: 500,
} as const;

/** A stable admin API error code. */
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** An error a handler throws to answer with that code and message. */
export class AdminError extends Error {
  readonly code: AdminErrorCode;
  constructor(code: AdminErrorCode, message: string) {
    super(message);
    this.name = 'AdminError';
    this.code = code;
  }
}

/** Answers with the error's status and `{error: {code, message}}`. */
export function sendAdminError(res: ServerResponse, e: AdminError, headers: Record<string, string> = {}): void {
  sendJson(res, ADMIN_ERRORS[e.code], { error: { code: e.code, message: e.message } }, headers);
}
