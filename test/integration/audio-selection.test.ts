// Audio selection end to end: 20 headless werift talkers publish Opus whose RFC 6464 levels the
// test sets (three loud, the rest quiet speech, one silent), and one headless listener subscribes
// to all of them. The room has 21 members (> 20): the listener must receive at most 3 microphones
// at any moment, the 3 loudest; then a loud talker falls silent and a silent one starts loud, and
// the listener's 3 follow; then a talker leaves and, at 20 members, every microphone is forwarded
// again. Member and speaker lists stay complete. Each talker writes its index
// into its payloads (byte 8), so the listener knows whose audio each of its streams carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SPEAKER_OPTIONS } from '@rtcroom/protocol';
import { mediaCounts } from '@rtcroom/server';
import { HeadlessPublisher, HeadlessSubscriber } from '../../bench/lib/headless-client.ts';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';

const TALKERS = 20;
const SILENT = 127;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One audio packet the listener received: its stream (the listener's SSRC) and arrival time. */
interface Arrival {
  ssrc: number;
  t: number;
}

/** The most streams that were live at once, a stream being live from a packet to its next one within `gapMs`. */
function maxConcurrent(arrivals: readonly Arrival[], gapMs: number): number {
  const runs: { start: number; end: number }[] = [];
  const open = new Map<number, { start: number; end: number }>();
  for (const a of arrivals) {
    const r = open.get(a.ssrc);
    if (r && a.t - r.end <= gapMs) r.end = a.t;
    else {
      const run = { start: a.t, end: a.t };
      open.set(a.ssrc, run);
      runs.push(run);
    }
  }
  // ends sort before starts at the same time: a swap in one instant is not an overlap
  const events = runs.flatMap((r) => [{ t: r.start, d: 1 }, { t: r.end, d: -1 }]).sort((a, b) => a.t - b.t || a.d - b.d);
  let live = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (live += e.d));
  return max;
}

test('20 talkers, 1 listener: only the 3 loudest microphones are forwarded, and they follow speech onsets', { timeout: 90_000 }, async () => {
  // a longer hang time than the default 500 ms: a talker's timer starved on a busy machine must not end its speech
  const server = await startTestServer({ audioSelection: { aboveMembers: 20, maxSpeakers: 3 }, speakers: { ...DEFAULT_SPEAKER_OPTIONS, hangMs: 1500 } });
  const roomId = 'audio_selection';
  const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: APP.appId, roomId, userId, token: mintToken(roomId, userId) });
  // quiet speech at 36–43 dBov; t3, t11, t17 loud; t7 silent until phase 2
  const level = Array.from({ length: TALKERS }, (_, i) => 36 + (i % 8));
  level[3] = 10;
  level[11] = 14;
  level[17] = 18;
  level[7] = SILENT;
  const talkers: HeadlessPublisher[] = [];
  let listener: HeadlessSubscriber | undefined;
  try {
    for (let i = 0; i < TALKERS; i++) {
      const p = await HeadlessPublisher.join(spec(`t${i}`), { video: false });
      let n = 0;
      // speech-like: one packet in five near silence (the detector's noise floor stays low), the rest at the level ±2 dB
      p.audioLevel = () => (level[i] === SILENT ? SILENT : ++n % 5 === 0 ? 120 : level[i]! - 2 + Math.random() * 4);
      p.stamp = (packet) => void (packet.payload[8] = i);
      p.start();
      talkers.push(p);
    }
    listener = await HeadlessSubscriber.join(spec('listener'));
    const arrivals: Arrival[] = [];
    const talkerOf = new Map<number, number>();
    listener.onArrival = (kind, ssrc) => void (kind === 'audio' && arrivals.push({ ssrc, t: performance.now() }));
    listener.onRtp = (kind, packet) => void (kind === 'audio' && packet.payload.length > 8 && talkerOf.set(packet.header.ssrc, packet.payload[8]!));

    /** Whose audio the listener received in the next `ms`, with packet counts, by talker index; and what each talker sent meanwhile. */
    const window = async (ms: number): Promise<{ got: Map<number, number>; sent: number[] }> => {
      const from = performance.now();
      const sent0 = talkers.map((t) => t.sent.audio);
      await sleep(ms);
      const sent = talkers.map((t, i) => t.sent.audio - sent0[i]!);
      const got = new Map<number, number>();
      for (const a of arrivals) {
        if (a.t < from) continue;
        const who = talkerOf.get(a.ssrc) ?? -1;
        got.set(who, (got.get(who) ?? 0) + 1);
      }
      return { got, sent };
    };
    /** Every stream received carried about all its talker sent (the window's edges aside). */
    const complete = (w: { got: Map<number, number>; sent: number[] }) => {
      for (const [who, n] of w.got) assert.ok(n >= w.sent[who]! * 0.9 - 3, `t${who}: received ${n} of ${w.sent[who]} packets`);
    };
    const sortedKeys = (m: Map<number, number>) => [...m.keys()].sort((a, b) => a - b);

    // membership and speaker lists are complete; every microphone has its consumer (paused or not)
    assert.equal(listener.joined?.members.length, TALKERS + 1);
    assert.equal(listener.joined?.speakers.length, TALKERS);
    const room = server.rooms.room(APP.appId, roomId);
    assert.equal(room?.members.size, TALKERS + 1);

    const deadline = Date.now() + 20_000;
    while (new Set(arrivals.map((a) => a.ssrc)).size < 3 && Date.now() < deadline) await sleep(200);
    await sleep(1500);
    // /healthz counts this process's media, or (RTCROOM_TEST_WORKERS) the workers' last reports
    const consumers = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { media: { consumers: number } }).media.consumers;
    assert.equal(process.env.RTCROOM_TEST_WORKERS ? await consumers() : mediaCounts.consumers, TALKERS, 'the listener consumes every microphone; only forwarding is gated');

    // phase 1: the loud three, ~50 packets/s each, nobody else
    const p1 = await window(3000);
    console.log(`# phase 1: packets received by talker ${JSON.stringify([...p1.got])}; sent ${p1.sent.join(' ')}`);
    assert.deepEqual(sortedKeys(p1.got), [3, 11, 17]);
    complete(p1);

    // phase 2: t3 falls silent, t7 starts loud (an onset louder than t17 by far more than the margin)
    level[3] = SILENT;
    level[7] = 4;
    await sleep(3500);
    const p2 = await window(3000);
    console.log(`# phase 2: packets received by talker ${JSON.stringify([...p2.got])}; sent ${p2.sent.join(' ')}`);
    // t7 took a slot on its onset (from t17, the quietest of the three); the slot t3 left once its
    // speech ended (the 1.5 s hang) went to the loudest waiting speaker, t17
    assert.deepEqual(sortedKeys(p2.got), [7, 11, 17]);
    complete(p2);

    console.log(`# at most ${maxConcurrent(arrivals, 200)} streams at once`);
    // never more than 3 streams at once, the swaps included (a swap happens in one instant at the server)
    assert.ok(maxConcurrent(arrivals, 200) <= 3, `${maxConcurrent(arrivals, 200)} streams at once`);
    assert.equal(room?.media?.publishers('audio').length, TALKERS, 'the speaker list still holds every talker');
    assert.equal(room?.members.size, TALKERS + 1);

    // phase 3: a talker leaves, the room is back at 20 members: every microphone is forwarded again
    await talkers[19]!.signal.request('exitRtcRoom', { roomId });
    await sleep(1000);
    const from = performance.now();
    await sleep(2000);
    const perStream = new Map<number, number>();
    for (const a of arrivals) if (a.t >= from) perStream.set(a.ssrc, (perStream.get(a.ssrc) ?? 0) + 1);
    const flowing = [...perStream.values()].filter((n) => n >= 20).length;
    console.log(`# phase 3: ${flowing} streams flowing`);
    assert.equal(flowing, TALKERS - 1, 'below the threshold every talker (even the silent one) is forwarded');
  } finally {
    await listener?.close();
    await Promise.all(talkers.map((t) => t.close()));
    await server.close();
  }
});
