// fanout: 1 publisher → N subscribers.
import type { Target } from '../lib/target.ts';
import { measureWindow, type WindowOptions, type WindowResult } from '../lib/measure.ts';
import { EVERY_KIND } from '../lib/accounting.ts';

/** Runs one fanout level on `target`; clients are closed afterwards. */
export async function fanout(target: Target, n: number, seconds: number, hooks: WindowOptions = {}): Promise<WindowResult> {
  const room = `fanout_${n}_${Date.now() % 100000}`;
  const pub = await target.publisher(room, 'pub');
  const subs = [];
  try {
    for (let i = 0; i < n; i++) subs.push(await target.subscriber(room, `sub${i}`, ['pub']));
    pub.start();
    return await measureWindow(target, [pub], subs, seconds, () => EVERY_KIND, undefined, hooks);
  } finally {
    await pub.close();
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
