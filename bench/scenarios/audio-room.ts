// audio-room: T talkers (audio only) and L listen-only members subscribed to every talker. The
// first `speaking` talkers speak (loud speech-like RFC 6464 levels), the others send background
// noise; every talker sends 50 packets/s either way (no DTX). With audio selection on, each
// listener should receive exactly the speaking talkers (at most the server's --audio-speakers);
// with it off, every talker.
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
}

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
  target: Target & { audioPublisher(room: string, user: string): Promise<AudioTalker> },
  talkers: number,
  listeners: number,
  seconds: number,
  opts: AudioRoomOptions = { speaking: talkers, selection: false },
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
    for (let i = 0; i < listeners; i++) subs.push(await target.subscriber(room, `l${i}`, names));
    for (const p of pubs) p.start();
    // with selection, a listener receives the speaking talkers only; without, every talker
    const receives = (_sub: number, pub: number) => (!opts.selection || pub < opts.speaking ? AUDIO : NOTHING);
    // a thousand DTLS handshakes take longer than the default 20 s warm-up
    return await measureWindow(target, pubs, subs, seconds, receives, Math.max(20_000, listeners * 60));
  } finally {
    await Promise.all(pubs.map((p) => p.close()));
    await Promise.all(subs.map((s) => s.close()));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
