/**
 * Opens the usage records of a server: the store (SQLite in the data directory, or PostgreSQL),
 * this node's id (kept in the data directory), the recorder.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { RoomActivity } from '../ops/room-activity.ts';
import { DEFAULT_ALIVE_EVERY_MS, UsageRecorder } from './recorder.ts';
import type { UsageStore } from './store.ts';

/** Usage record settings. */
export interface UsageConfig {
  /** Folder for the SQLite file (`usage.sqlite`) and this node's id (`node-id`). */
  dataDir: string;
  /** A `postgres://` URL: records go there instead of the SQLite file. */
  database: string | undefined;
  /** How often the node marks itself alive (ms). */
  aliveEveryMs: number;
}

/** The usage config `rtcroom serve` starts with. */
export function defaultUsage(dataDir = '.rtcroom', database?: string): UsageConfig {
  return { dataDir, database, aliveEveryMs: DEFAULT_ALIVE_EVERY_MS };
}

/**
 * Loads the SQLite store, keeping Node 22's one-line "SQLite is an experimental feature" warning
 * out of the log stream (node:sqlite is stable enough for this use; docs/ops.md says so). The
 * stores are loaded on use, so commands that keep no records never load a driver.
 */
async function loadSqlite(): Promise<typeof import('./sqlite-store.ts')> {
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (String(typeof warning === 'string' ? warning : warning.message).startsWith('SQLite is an experimental feature')) return;
    return (emit as (w: string | Error, ...r: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return await import('./sqlite-store.ts');
  } finally {
    process.emitWarning = emit;
  }
}

/** Whether process `pid` is alive. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This node's id, created once in the data directory, and held with a lock file (`node.lock`,
 * the holder's pid) while the server runs. A second server on the same data directory gets a
 * one-off id instead, so neither closes the other's calls as left open. Returns the id and a
 * release function.
 */
function nodeId(dataDir: string, log: Logger): { id: string; release: () => void } {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'node.lock');
  let holder = Number.NaN;
  try {
    holder = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    // no lock
  }
  if (Number.isInteger(holder) && holder !== process.pid && running(holder)) {
    log.warn('another rtcroom uses this data directory: this one records usage under a one-off node id', { dataDir, otherPid: holder });
    return { id: randomUUID(), release: () => undefined };
  }
  writeFileSync(lock, `${process.pid}\n`);
  const release = () => {
    try {
      if (Number(readFileSync(lock, 'utf8').trim()) === process.pid) unlinkSync(lock);
    } catch {
      // already gone
    }
  };
  const file = join(dataDir, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return { id, release };
  } catch {
    // first start
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o644 });
  return { id, release };
}

/** Opens the store (migrating it, closing what a crash left open) and starts recording. */
export async function openUsage(config: UsageConfig, activity: RoomActivity, log: Logger): Promise<{ store: UsageStore; recorder: UsageRecorder }> {
  const node = nodeId(config.dataDir, log);
  const store: UsageStore = config.database ? new (await import('./postgres-store.ts')).PostgresUsageStore(config.database) : new (await loadSqlite()).SqliteUsageStore(join(config.dataDir, 'usage.sqlite'));
  let closedCalls: number;
  try {
    ({ closedCalls } = await store.open(node.id));
  } catch (e) {
    await store.close().catch(() => undefined);
    node.release();
    throw new Error(`usage records (${config.database ? 'PostgreSQL' : join(config.dataDir, 'usage.sqlite')}): ${(e as Error).message}`);
  }
  log.info('usage records open', { store: config.database ? 'postgres' : 'sqlite', node: node.id, ...(closedCalls > 0 ? { closedCallsLeftOpen: closedCalls } : {}) });
  return { store, recorder: new UsageRecorder(store, node.id, activity, log, config.aliveEveryMs, node.release) };
}
