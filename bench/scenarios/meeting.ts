// meeting: N participants, each publishing audio + video and subscribing to all the others.
import type { SubscriberClient, Target } from '../lib/target.ts';
import { measureWindow, type WindowOptions, type WindowResult } from '../lib/measure.ts';
import { EVERY_KIND } from '../lib/accounting.ts';

/** Runs one meeting size on `target`. */
export async function meeting(target: Target, n: number, seconds: number, hooks: WindowOptions = {}): Promise<WindowResult> {
  const room = `meeting_${n}_${Date.now() % 100000}`;
  const names = Array.from({ length: n }, (_, i) => `p${i}`);
  const pubs = [];
  const subs: SubscriberClient[] = [];
  try {
    for (const name of names) pubs.push(await target.publisher(room, name));
    for (const name of names) subs.push(await target.subscriber(room, `${name}_sub`, names.filter((x) => x !== name)));
    for (const p of pubs) p.start();
    return await measureWindow(target, pubs, subs, seconds, (sub, pub) => (sub === pub ? [] : EVERY_KIND), undefined, hooks);
  } finally {
    await Promise.all(pubs.map((p) => p.close()));
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
