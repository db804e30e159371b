// Starts a real rtcroom server on a free loopback port for integration tests.
import { AccessToken, Privileges } from '@rtcroom/token';
import { AppRegistry, createLogger, defaultConfig, startServer, type RunningServer, type ServerConfig } from '@rtcroom/server';

/** The test apps: two, to check isolation. */
export const APP = { appId: '0123456789abcdef01234567', appKey: 'test-app-key-1' };
export const APP2 = { appId: 'fedcba9876543210fedcba98', appKey: 'test-app-key-2' };

/** Starts a server with the test apps; `overrides` tweak the config. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer & { wsUrl: string }> {
  const base = defaultConfig(new AppRegistry([APP, APP2]));
  const level = process.env.RTCROOM_TEST_LOG === '1' ? 'debug' : 'silent';
  // RTCROOM_TEST_WORKERS=N runs the same tests with media on N worker processes
  const workers = Number(process.env.RTCROOM_TEST_WORKERS ?? 1);
  // media on loopback only
  const config: ServerConfig = { ...base, host: '127.0.0.1', port: 0, media: { ...base.media, iceAddress: '127.0.0.1' }, workers, logLevel: level, ...overrides };
  const server = await startServer(config, createLogger(level));
  return Object.assign(server, { wsUrl: `${server.url.replace('http', 'ws')}/rtc` });
}

/** Options of {@link mintToken}. */
export interface MintOptions {
  app?: { appId: string; appKey: string };
  /** Lifetime in seconds from now; 0 = never; negative = already expired. */
  expire?: number;
  publish?: boolean;
  subscribe?: boolean;
  /** Lifetime of the publish privilege alone, in seconds from now (default: the token's). */
  publishExpire?: number;
}

/** Mints a token like an app backend would. */
export function mintToken(roomId: string, userId: string, o: MintOptions = {}): string {
  const app = o.app ?? APP;
  const now = Math.floor(Date.now() / 1000);
  const expireAt = o.expire === undefined ? now + 3600 : o.expire === 0 ? 0 : now + o.expire;
  const t = new AccessToken(app.appId, app.appKey, roomId, userId);
  if (o.expire !== undefined && o.expire < 0) t.issuedAt = now - 7200;
  t.expireTime(expireAt);
  if (o.publish !== false) t.addPrivilege(Privileges.PublishStream, o.publishExpire !== undefined ? now + o.publishExpire : expireAt);
  if (o.subscribe !== false) t.addPrivilege(Privileges.SubscribeStream, expireAt);
  return t.serialize();
}
