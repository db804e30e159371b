/**
 * Apps are `{appId, appKey}` pairs. The registry answers "which key signs this app's tokens".
 * @module
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One application: tokens for `appId` are signed with `appKey`. */
export interface App {
  /** Volcengine-style AppId (24 characters in real tokens). */
  readonly appId: string;
  /** Secret key (its UTF-8 bytes are the HMAC key). */
  readonly appKey: string;
}

const appSchema = z.object({
  appId: z.string().length(24, { message: 'appId must be exactly 24 characters (the token format fixes it)' }),
  appKey: z.string().min(1),
});
const appsFileSchema = z.union([z.array(appSchema), z.object({ apps: z.array(appSchema) }).transform((o) => o.apps)]);

/** Why a configuration of apps could not be loaded. */
export class AppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

/** Looks up app keys by app id. */
export class AppRegistry {
  readonly #apps = new Map<string, App>();

  /** @param apps the apps; a duplicate appId is a configuration error */
  constructor(apps: readonly App[]) {
    for (const a of apps) {
      if (this.#apps.has(a.appId)) throw new AppConfigError(`duplicate appId ${a.appId}`);
      this.#apps.set(a.appId, { appId: a.appId, appKey: a.appKey });
    }
  }

  /** The app with this id, if configured. */
  get(appId: string): App | undefined {
    return this.#apps.get(appId);
  }

  /** Number of apps. */
  get size(): number {
    return this.#apps.size;
  }

  /** App ids (never keys). */
  ids(): string[] {
    return [...this.#apps.keys()];
  }

  /**
   * Parses the apps JSON: an array of `{appId, appKey}` or `{apps: [...]}`.
   * @param source where the text came from, for error messages
   */
  static fromJson(text: string, source: string): AppRegistry {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new AppConfigError(`${source}: not valid JSON (${(e as Error).message})`);
    }
    const r = appsFileSchema.safeParse(data);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new AppConfigError(`${source}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
    }
    if (r.data.length === 0) throw new AppConfigError(`${source}: no apps configured`);
    return new AppRegistry(r.data);
  }

  /** Reads {@link AppRegistry.fromJson} from a file. */
  static fromFile(path: string): AppRegistry {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new AppConfigError(`cannot read apps file ${path}: ${(e as Error).message}`);
    }
    return AppRegistry.fromJson(text, path);
  }
}
