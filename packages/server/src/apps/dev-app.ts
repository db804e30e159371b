/**
 * The embedded development app: created on first start when no apps are configured and kept
 * in `.rtcroom/dev-app.json` so tokens survive restarts.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { App } from './registry.ts';

/** Creates a fresh random app (24 hex chars id, 32 hex chars key). */
export function newApp(): App {
  return { appId: randomBytes(12).toString('hex'), appKey: randomBytes(16).toString('hex') };
}

/**
 * Loads the dev app from `file`, or creates and saves one.
 * @returns the app and whether it was created now
 */
export function loadOrCreateDevApp(file: string): { app: App; created: boolean } {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<App>;
    if (typeof data.appId === 'string' && data.appId.length === 24 && typeof data.appKey === 'string' && data.appKey) {
      return { app: { appId: data.appId, appKey: data.appKey }, created: false };
    }
  } catch {
    // missing or unreadable: create a new one below
  }
  const app = newApp();
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(app, null, 2)}\n`, { mode: 0o600 });
  } catch {
    // read-only working directory: the app lives for this process only
  }
  return { app, created: true };
}
