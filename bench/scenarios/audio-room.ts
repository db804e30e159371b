// audio-room: T talkers (audio only) and L listen-only members subscribed to every talker. The
// first `speaking` talkers speak (loud speech-like RFC 6464 levels), the others send background
// noise; every talker sends 50 packets/s either way (no DTX). With audio selection on, each
// listener should receive exactly the speaking talkers (at most the server's --audio-speakers);
// with it off, every talker. Listeners are lean by default (lean-listener.ts: counted off the
// socket by their clear RTP headers, no decryption) so that one generator core can carry 1,000 of
// them; `listener: 'werift'` uses the full werift subscriber (every packet through werift's
// receive path, one in ten decrypted).
import type { PublisherClient, SubscriberClient, Target } from '../lib/target.ts';
import { measureWindow, type WindowResult } from '../lib/measure.ts';
import type { Kind } from '../lib/accounting.ts';

/** A talker whose RFC 6464 levels the scenario sets. */
export type AudioTalker = PublisherClient & { audioLevel: (() => number) | undefined };

/** How the room is run. */
export interface AudioRoomOptions {
  /** Talkers that speak (the first ones); the rest send noise. */
  speaking: number;
  /** Whether the server forwards only the selected speakers (the listeners then expect only the speaking talkers). */
  selection: boolean;
  /** Which listener client: `lean` (default) or `werift`. */
  listener?: ListenerKind;
}

/** The listener clients the scenario can run. */
export type ListenerKind = 'lean' | 'werift';

/** How many listeners join at once (each join is a signaling round trip plus one per talker). */
const JOIN_CONCURRENCY = 8;

const AUDIO: readonly Kind[] = ['audio'];
const NOTHING: readonly Kind[] = [];

/** Speech-like levels: syllables at 18–24 dBov with one packet in five near silence (the detector's noise floor stays low). */
function speech(): () => number {
  let n = 0;
  return () => (++n % 5 === 0 ? 115 : 18 + Math.random() * 6);
}

/** Room noise well below any speech threshold. */
const noise = (): number => 100 + Math.random() * 15;

/** Runs one audio room on `target` (rtcroom: audio-only publishers). */
export async function audioRoom(
  target: Target & { audioPublisher(room: string, user: string): Promise<AudioTalker>; leanSubscriber(room: string, user: string): Promise<SubscriberClient> },
  talkers: number,
  listeners: number,
  seconds: number,
  opts: AudioRoomOptions = { speaking: talkers, selection: false },
  hooks: Parameters<typeof measureWindow>[6] = {},
): Promise<WindowResult> {
  const room = `audio_${listeners}_${Date.now() % 100000}`;
  const names = Array.from({ length: talkers }, (_, i) => `t${i}`);
  const pubs: AudioTalker[] = [];
  const subs: SubscriberClient[] = [];
  try {
    for (const [i, n] of names.entries()) {
      const p = await target.audioPublisher(room, n);
      p.audioLevel = i < opts.speaking ? speech() : noise;
      pubs.push(p);
    }
    // a werift listener subscribes to each talker in turn; a lean one auto-subscribes to all at its join
    const join = opts.listener === 'werift' ? (r: string, u: string) => target.subscriber(r, u, names) : (r: string, u: string) => target.leanSubscriber(r, u);
    // a few joins in flight at a time; the listener order (l0, l1, …) stays the index order
    for (let i = 0; i < listeners; i += JOIN_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(JOIN_CONCURRENCY, listeners - i) }, (_, k) => join(room, `l${i + k}`));
      const joined = await Promise.allSettled(batch);
      for (const r of joined) if (r.status === 'fulfilled') subs.push(r.value);
      const failed = joined.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    for (const p of pubs) p.start();
    // with selection, a listener receives the speaking talkers only; without, every talker
    const receives = (_sub: number, pub: number) => (!opts.selection || pub < opts.speaking ? AUDIO : NOTHING);
    // a thousand DTLS handshakes take longer than the default 20 s warm-up
    return await measureWindow(target, pubs, subs, seconds, receives, Math.max(20_000, listeners * 60), hooks);
  } finally {
    await Promise.all(pubs.map((p) => p.close()));
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
