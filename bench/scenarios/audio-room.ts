// audio-room: T talkers (audio only) and L listen-only members receiving every talker.
import type { PublisherClient, SubscriberClient, Target } from '../lib/target.ts';
import { measureWindow, type WindowResult } from '../lib/measure.ts';
import { EVERY_KIND } from '../lib/accounting.ts';

/** Runs one audio room on `target` (rtcroom: audio-only publishers). */
export async function audioRoom(
  target: Target & { audioPublisher(room: string, user: string): Promise<PublisherClient> },
  talkers: number,
  listeners: number,
  seconds: number,
): Promise<WindowResult> {
  const room = `audio_${listeners}_${Date.now() % 100000}`;
  const names = Array.from({ length: talkers }, (_, i) => `t${i}`);
  const pubs: PublisherClient[] = [];
  const subs: SubscriberClient[] = [];
  try {
    for (const n of names) pubs.push(await target.audioPublisher(room, n));
    for (let i = 0; i < listeners; i++) subs.push(await target.subscriber(room, `l${i}`, names));
    for (const p of pubs) p.start();
    return await measureWindow(target, pubs, subs, seconds, () => EVERY_KIND);
  } finally {
    await Promise.all(pubs.map((p) => p.close()));
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
