/**
 * The doctor's cluster check (`--redis`): does Redis answer, which nodes are live in it, and does
 * each node's public URL answer `/healthz` from this machine (clients must reach every node).
 * @module
 */
import { RedisStore } from '../cluster/redis-store.ts';
import { redact } from '../cluster/cluster.ts';
import type { Check } from './report.ts';

/** Checks the cluster's Redis at `url`. */
export async function checkRedis(url: string): Promise<Check[]> {
  const section = 'cluster';
  const store = new RedisStore({ url, commandTimeoutMs: 2000 });
  const started = performance.now();
  try {
    await store.connect();
  } catch (e) {
    store.redis.disconnect();
    return [{ section, status: 'fail', text: `Redis at ${redact(url)}: ${(e as Error).message} (rtcroom serve --redis would exit with code 3)` }];
  }
  try {
    const ms = (performance.now() - started).toFixed(1);
    const nodes = await store.nodes();
    const checks: Check[] = [{ section, status: 'ok', text: `Redis at ${redact(url)} answers (${ms} ms); ${nodes.length} live node(s)` }];
    for (const n of nodes) {
      const what = `node ${n.id} at ${n.url}${n.draining ? ' (draining)' : ''}: ${n.load.rooms} rooms, ${n.load.members} members, sysload ${n.load.sysload}/${n.sysloadLimit}`;
      const answers = await fetch(`${n.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      checks.push(answers ? { section, status: 'ok', text: what } : { section, status: 'warn', text: `${what}: its /healthz does not answer from here (clients are sent to this URL)` });
    }
    return checks;
  } catch (e) {
    return [{ section, status: 'fail', text: `Redis at ${redact(url)}: ${(e as Error).message}` }];
  } finally {
    await store.close();
  }
}
