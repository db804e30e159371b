/**
 * The admin API as the dashboard calls it: the key as a Bearer token, JSON answers, the API's
 * `{"error": {"code", "message"}}` turned into an {@link ApiError}. The shapes mirror the
 * OpenAPI document served at `/api/v1/openapi.json`.
 * @module
 */

/** A live room. */
export interface Room {
  roomId: string;
  startedAt: string;
  members: number;
  visibleMembers: number;
  publishers: number;
  worker?: number;
}

/** A member's media figures. */
export interface MediaStats {
  sendKbps: number;
  receiveKbps: number;
  lossPercent: number;
  /** The server's estimate of what its downlink carries (kbit/s); null while not measured. */
  downlinkKbps: number | null;
  /** Its video is paused for its downlink's bandwidth (audio only). */
  videoPausedForBandwidth: boolean;
}

/** A source a member publishes. */
export type Source = 'audio' | 'video' | 'screen' | 'screenAudio';

/** A member of a room. */
export interface Member {
  userId: string;
  joinedAt: string;
  visible: boolean;
  state: 'connected' | 'reconnecting';
  published: Source[];
  speaking: boolean;
  level?: number;
  stats?: MediaStats;
}

/** Usage of one room over the window. */
export interface RoomUsage {
  roomId: string;
  calls: number;
  participantSeconds: number;
  participantMinutes: number;
}

/** Usage over a window. */
export interface Usage {
  appId: string;
  from: string;
  to: string;
  rooms: RoomUsage[];
  days: { day: string; participantSeconds: number; participantMinutes: number }[];
  totals: { calls: number; participantSeconds: number; participantMinutes: number };
}

/** What a mute stops. */
export type MuteType = 'audio' | 'video' | 'screen';

/** An answer other than 2xx, or no answer. */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The API's error code (`unauthorized`, `admin_api_disabled`, `unknown_room` …), or `network`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Reads an error answer: the API's own error, or the status line. */
async function errorOf(r: Response): Promise<ApiError> {
  try {
    const body = (await r.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string') return new ApiError(r.status, body.error.code, body.error.message);
  } catch {
    // not JSON: a proxy's page, say
  }
  return new ApiError(r.status, 'http', `HTTP ${r.status} ${r.statusText}`.trim());
}

/** Calls the admin API with one key. */
export class AdminClient {
  readonly #key: string | undefined;
  readonly #base: string;

  /**
   * @param key the admin key; undefined sends no Authorization header (to ask whether the API is on)
   * @param base the server's origin (default: this page's)
   */
  constructor(key: string | undefined, base = '') {
    this.#key = key;
    this.#base = base;
  }

  async #call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#key !== undefined) headers.authorization = `Bearer ${this.#key}`;
    if (body) headers['content-type'] = 'application/json';
    let r: Response;
    try {
      r = await fetch(`${this.#base}/api/v1${path}`, { method, headers, cache: 'no-store', ...(body ? { body: JSON.stringify(body) } : {}) });
    } catch (e) {
      throw new ApiError(0, 'network', `the server cannot be reached (${(e as Error).message})`);
    }
    if (!r.ok) throw await errorOf(r);
    return (await r.json()) as T;
  }

  /** The apps of the server. */
  async apps(): Promise<string[]> {
    return (await this.#call<{ apps: { appId: string }[] }>('GET', '/apps')).apps.map((a) => a.appId);
  }

  /** Live rooms of an app. */
  async rooms(appId: string): Promise<Room[]> {
    return (await this.#call<{ rooms: Room[] }>('GET', `/apps/${enc(appId)}/rooms`)).rooms;
  }

  /** A room and its members. */
  members(appId: string, roomId: string): Promise<{ room: Room; members: Member[] }> {
    return this.#call('GET', `/apps/${enc(appId)}/rooms/${enc(roomId)}/members`);
  }

  /** Removes a member. */
  async kick(appId: string, roomId: string, userId: string): Promise<void> {
    await this.#call('POST', `/apps/${enc(appId)}/rooms/${enc(roomId)}/members/${enc(userId)}/kick`);
  }

  /** Stops one kind of a member's streams. */
  async mute(appId: string, roomId: string, userId: string, streamType: MuteType): Promise<void> {
    await this.#call('POST', `/apps/${enc(appId)}/rooms/${enc(roomId)}/members/${enc(userId)}/mute`, { streamType });
  }

  /** Closes a room for everyone. */
  async closeRoom(appId: string, roomId: string): Promise<void> {
    await this.#call('DELETE', `/apps/${enc(appId)}/rooms/${enc(roomId)}`);
  }

  /** Usage over a window (`from=…&to=…`). */
  usage(appId: string, query: string): Promise<Usage> {
    return this.#call('GET', `/apps/${enc(appId)}/usage?${query}`);
  }
}

const enc = encodeURIComponent;

/**
 * Whether the admin API is on, asked without a key: an API that is on refuses with 401, one
 * that is off answers 404 `admin_api_disabled`. Resolves with its message when off.
 */
export async function apiOffMessage(base = ''): Promise<string | undefined> {
  try {
    await new AdminClient(undefined, base).apps();
    return undefined;
  } catch (e) {
    return e instanceof ApiError && e.code === 'admin_api_disabled' ? e.message : undefined;
  }
}
