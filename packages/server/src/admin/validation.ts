/**
 * What the admin API accepts: path parameters, the mute body, the usage query. Every refusal is a
 * `bad_request` with a message naming the field.
 * @module
 */
import { z } from 'zod';
import { ID_PATTERN, ID_RULE_TEXT, validate } from '@rtcroom/protocol';
import { MUTE_STREAM_TYPES } from '../room/moderation.ts';
import type { AppRegistry } from '../apps/registry.ts';
import { AdminError } from './errors.ts';

/** Largest request body the admin API reads (bytes). */
export const MAX_ADMIN_BODY = 4096;

/** Longest usage query window (days). */
export const MAX_USAGE_DAYS = 366;

/** Default usage window when `from` is not given (days before `to`). */
export const DEFAULT_USAGE_DAYS = 30;

/** Body of `POST …/mute`. */
export const muteBodySchema = z.strictObject({ streamType: z.enum(MUTE_STREAM_TYPES) });

/** Body of `POST …/recordings` (optional; nothing to give yet). */
export const recordingBodySchema = z.strictObject({});

/** Body of `POST …/kick` (optional; nothing to give yet). */
export const kickBodySchema = z.strictObject({});

/** Checks that the app of the path is configured here (`unknown_app` otherwise). */
export function checkApp(apps: Pick<AppRegistry, 'get'>, appId: string): string {
  if (!apps.get(appId)) throw new AdminError('unknown_app', `no app ${JSON.stringify(appId.slice(0, 64))} on this server`);
  return appId;
}

/** Checks a room or user id from the path (Volcengine's id rule). */
export function checkId(name: string, value: string): string {
  if (!ID_PATTERN.test(value)) throw new AdminError('bad_request', `${name} must match ${ID_RULE_TEXT}, got ${JSON.stringify(value.slice(0, 140))}`);
  return value;
}

/**
 * Parses an optional JSON body against `schema` (an empty body counts as `{}`).
 * @param text the raw body
 */
export function parseBody<S extends z.ZodType>(schema: S, text: string, required: boolean): z.output<S> {
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new AdminError('bad_request', `body is not JSON: ${(e as Error).message}`);
    }
  } else if (required) {
    throw new AdminError('bad_request', 'a JSON body is required');
  }
  const v = validate(schema, body, 'body');
  if (!v.ok) throw new AdminError('bad_request', v.detail);
  return v.value as z.output<S>;
}

/** A point in time from a query parameter: an ISO 8601 date or date-time, or Unix milliseconds. */
function parseTime(name: string, value: string): number {
  const t = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(t)) throw new AdminError('bad_request', `${name} must be an ISO 8601 date or date-time (2026-11-28, 2026-11-28T16:00:00Z) or Unix milliseconds, got ${JSON.stringify(value.slice(0, 64))}`);
  return t;
}

/** The usage window of `?from=&to=`: `to` defaults to now, `from` to 30 days before `to`. */
export function usageWindow(query: URLSearchParams, now = Date.now()): { from: number; to: number } {
  for (const k of query.keys()) if (k !== 'from' && k !== 'to') throw new AdminError('bad_request', `unknown query parameter ${JSON.stringify(k)} (from, to)`);
  const toText = query.get('to');
  const fromText = query.get('from');
  const to = toText === null ? now : parseTime('to', toText);
  const from = fromText === null ? to - DEFAULT_USAGE_DAYS * 86_400_000 : parseTime('from', fromText);
  if (from >= to) throw new AdminError('bad_request', 'from must be before to');
  if (to - from > MAX_USAGE_DAYS * 86_400_000) throw new AdminError('bad_request', `the window may span at most ${MAX_USAGE_DAYS} days`);
  return { from, to };
}
