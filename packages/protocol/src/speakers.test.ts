import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeakerDetector } from './speakers.ts';

/** A level sequence, one entry per 20 ms packet, from segments of [level(s), ms]. */
function seq(...segments: [number | (() => number), number][]): number[] {
  const out: number[] = [];
  for (const [level, ms] of segments) for (let i = 0; i < ms / 20; i++) out.push(typeof level === 'number' ? level : level());
  return out;
}

/** A deterministic pseudo-random generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 0x100000000);
}

/** Runs levels through a detector; returns the change times (ms) and states. */
function run(d: SpeakerDetector, levels: number[], start = 0): { t: number; speaking: boolean }[] {
  const changes: { t: number; speaking: boolean }[] = [];
  levels.forEach((l, i) => {
    const t = start + i * 20;
    if (d.push(l, t)) changes.push({ t, speaking: d.speaking });
  });
  return changes;
}

const r = rng(7);
/** Speech: a word of syllables (loud 22–35) with short dips (55–70) between them. */
const word = (ms: number): [() => number, number][] =>
  Array.from({ length: Math.round(ms / 200) }, (_, i) => [() => (i % 2 === 0 ? 22 + r() * 13 : 55 + r() * 15), i % 2 === 0 ? 140 : 60] as [() => number, number]);

test('speech starts within three packets and ends after the hang time', () => {
  const d = new SpeakerDetector();
  const changes = run(d, seq([110, 1000], [28, 400], [110, 1500]));
  assert.deepEqual(changes, [
    { t: 1040, speaking: true }, // third loud packet (1000, 1020, 1040)
    { t: 1900, speaking: false }, // last loud at 1380, + 500 ms hang, next packet at 1900
  ]);
});

test('no flapping inside a word or across short pauses between words', () => {
  const d = new SpeakerDetector();
  const changes = run(d, seq([120, 600], ...word(1200), [90, 300], ...word(1000), [120, 1500]));
  assert.equal(changes.length, 2, JSON.stringify(changes));
  assert.equal(changes[0]!.speaking, true);
  assert.equal(changes[1]!.speaking, false);
});

test('silence and quiet noise never count', () => {
  const d = new SpeakerDetector();
  assert.deepEqual(run(d, seq([127, 2000], [() => 60 + r() * 20, 4000])), []);
});

test('a loud steady noise floor stops counting once known; speech over it still counts', () => {
  const d = new SpeakerDetector();
  const changes = run(d, seq([() => 44 + r() * 4, 6000]));
  // noise at 44–48 dBov passes the 50 dBov threshold until the floor is learnt (100 packets, 2 s)
  assert.ok(changes.length <= 2, JSON.stringify(changes));
  assert.equal(d.speaking, false);
  assert.ok((d.floor() ?? 0) >= 44 && d.threshold() <= 40, `floor ${d.floor()} threshold ${d.threshold()}`);
  const speech = run(d, seq([() => 24 + r() * 6, 600], [() => 44 + r() * 4, 1000]), 6000);
  assert.deepEqual(speech.map((c) => c.speaking), [true, false]);
  assert.ok(speech[0]!.t <= 6060, `onset at ${speech[0]!.t}`);
});

test('alternating talkers hand over without overlap beyond the hang time', () => {
  const a = new SpeakerDetector();
  const b = new SpeakerDetector();
  const la = seq([30, 1000], [120, 1000], [30, 1000], [120, 1000]);
  const lb = seq([120, 1000], [30, 1000], [120, 1000], [30, 1000]);
  const log: string[] = [];
  la.forEach((_, i) => {
    const t = i * 20;
    if (a.push(la[i]!, t)) log.push(`${t} a ${a.speaking}`);
    if (b.push(lb[i]!, t)) log.push(`${t} b ${b.speaking}`);
  });
  assert.deepEqual(log, ['40 a true', '1040 b true', '1500 a false', '2040 a true', '2500 b false', '3040 b true', '3500 a false']);
});

test('muting mid-word drops the speaker at once; packets that stop end speech by tick', () => {
  const d = new SpeakerDetector();
  run(d, seq([28, 300]));
  assert.equal(d.speaking, true);
  assert.equal(d.reset(), true);
  assert.equal(d.speaking, false);
  assert.equal(d.reset(), false);
  // DTX / a dead source: no packets at all, the hang time ends it
  run(d, seq([28, 300]), 10_000);
  assert.equal(d.speaking, true);
  assert.equal(d.tick(10_280 + 400), false);
  assert.equal(d.tick(10_280 + 501), true);
});
