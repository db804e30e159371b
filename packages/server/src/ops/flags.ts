/**
 * The operator flags of `rtcroom serve`: admin key, metrics key, webhooks, usage records (kept by
 * default in SQLite under `--data-dir`, or in PostgreSQL with `--database`).
 * @module
 */
import type { ServerConfig } from '../config.ts';
import { resolve } from 'node:path';
import { MIN_ADMIN_KEY_LENGTH } from '../admin/auth.ts';
import { defaultUsage } from '../usage/setup.ts';
import { DEFAULT_MAX_RECORDING_MINUTES } from '../recording/recordings.ts';

/** `parseArgs` options of the operator flags. */
export const OPS_OPTIONS = {
  'admin-key': { type: 'string' },
  'metrics-key': { type: 'string' },
  'webhook-url': { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  usage: { type: 'boolean' },
  'max-recording-minutes': { type: 'string' },
} as const;

/** Values of the operator flags, as `parseArgs` gives them. */
export interface OpsFlagValues {
  'admin-key'?: string | undefined;
  'metrics-key'?: string | undefined;
  'webhook-url'?: string[] | undefined;
  'data-dir'?: string | undefined;
  database?: string | undefined;
  /** `--no-usage` gives false. */
  usage?: boolean | undefined;
  'max-recording-minutes'?: string | undefined;
}

/** A bad operator flag (the CLI prints it with a usage hint). */
export class OpsFlagError extends Error {}

/** Reads a secret from its flag or environment variable; checks its length. */
function secret(flag: string, value: string | undefined, envName: string, env: NodeJS.ProcessEnv): string | undefined {
  const v = value ?? env[envName];
  if (v === undefined || v === '') return undefined;
  if (v.length < MIN_ADMIN_KEY_LENGTH || /\s/.test(v)) throw new OpsFlagError(`--${flag} (or ${envName}) must be at least ${MIN_ADMIN_KEY_LENGTH} characters without spaces`);
  return v;
}

/** Applies the operator flags to `config`. */
export function applyOpsFlags(values: OpsFlagValues, config: ServerConfig, env: NodeJS.ProcessEnv = process.env): void {
  config.adminKey = secret('admin-key', values['admin-key'], 'RTCROOM_ADMIN_KEY', env);
  config.metricsKey = secret('metrics-key', values['metrics-key'], 'RTCROOM_METRICS_KEY', env);
  const urls = values['webhook-url'] ?? [];
  for (const u of urls) {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new OpsFlagError(`--webhook-url must be an http:// or https:// URL, got "${u}"`);
  }
  if (urls.length > 0 && config.adminKey === undefined) throw new OpsFlagError('--webhook-url needs --admin-key (or RTCROOM_ADMIN_KEY): webhooks are signed with it');
  config.webhooks = { ...config.webhooks, urls };
  const database = values.database ?? (env.RTCROOM_DATABASE || undefined);
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database)) throw new OpsFlagError(`--database must be a postgres:// or postgresql:// URL, got "${database.replace(/\/\/[^@]*@/, '//…@')}"`);
  const maxText = values['max-recording-minutes'];
  const maxMinutes = maxText === undefined ? DEFAULT_MAX_RECORDING_MINUTES : Number(maxText);
  if (!/^\d+(\.\d+)?$/.test(maxText ?? '1') || !(maxMinutes > 0) || maxMinutes > 7 * 24 * 60) throw new OpsFlagError(`--max-recording-minutes must be a number of minutes above 0 and at most ${7 * 24 * 60}, got "${maxText}"`);
  config.recording = { dir: resolve(values['data-dir'] ?? '.rtcroom', 'recordings'), maxMinutes };
  if (values.usage === false) {
    if (database !== undefined) throw new OpsFlagError('--database and --no-usage contradict each other');
    config.usage = undefined;
  } else {
    config.usage = defaultUsage(resolve(values['data-dir'] ?? '.rtcroom'), database);
  }
}
