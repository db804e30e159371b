/**
 * The cluster flags of `rtcroom serve` (`--redis` and what configures a node), checked together.
 * @module
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { NODE_ID_PATTERN } from '@rtcroom/protocol';
import { CLUSTER_DEFAULTS, redact, type ClusterConfig } from './cluster.ts';

/** `parseArgs` options of the cluster flags. */
export const CLUSTER_OPTIONS = {
  redis: { type: 'string' },
  'node-id': { type: 'string' },
  'public-url': { type: 'string' },
  'sysload-limit': { type: 'string' },
  'drain-timeout': { type: 'string' },
} as const;

/** A bad cluster flag (the CLI prints it with a usage hint). */
export class ClusterFlagError extends Error {}

/** `--redis` and the cluster flags checked together; undefined without `--redis`. */
export function clusterConfig(values: Partial<Record<'redis' | 'node-id' | 'public-url' | 'sysload-limit' | 'drain-timeout', string>>): ClusterConfig | undefined {
  const url = values.redis;
  if (url === undefined) {
    const stray = (['node-id', 'public-url', 'sysload-limit', 'drain-timeout'] as const).find((f) => values[f] !== undefined);
    if (stray) throw new ClusterFlagError(`--${stray} needs --redis (it configures a cluster node)`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterFlagError(`--redis must be a URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ClusterFlagError(`--redis must be a redis:// or rediss:// URL, got "${redact(url)}"`);
  const nodeId = values['node-id'] ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 48)}-${randomBytes(3).toString('hex')}`;
  if (!NODE_ID_PATTERN.test(nodeId)) throw new ClusterFlagError(`--node-id must be 1-64 characters of A-Z a-z 0-9 _ . -, got "${nodeId}"`);
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(publicUrl);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) {
      throw new ClusterFlagError(`--public-url must be the http:// or https:// URL clients reach this node at (e.g. https://node1.example.com), got "${publicUrl}"`);
    }
  }
  const limitText = values['sysload-limit'];
  const limit = limitText === undefined ? CLUSTER_DEFAULTS.sysloadLimit : Number(limitText);
  if (limitText !== undefined && (!/^\d+(\.\d+)?$/.test(limitText) || limit > 1000)) throw new ClusterFlagError(`--sysload-limit must be a number from 0 to 1000, got "${limitText}"`);
  const drainText = values['drain-timeout'];
  if (drainText !== undefined && (!/^\d+$/.test(drainText) || Number(drainText) > 86_400)) throw new ClusterFlagError(`--drain-timeout must be a whole number from 0 to 86400, got "${drainText}"`);
  const drain = drainText === undefined ? undefined : Number(drainText);
  return {
    redisUrl: url,
    nodeId,
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    sysloadLimit: limit,
    drainTimeoutMs: drain === undefined ? CLUSTER_DEFAULTS.drainTimeoutMs : drain * 1000,
    leaseMs: CLUSTER_DEFAULTS.leaseMs,
    renewMs: CLUSTER_DEFAULTS.renewMs,
  };
}
