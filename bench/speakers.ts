// Speaker detection latency: a headless publisher sends Opus-sized packets whose RFC 6464 levels
// follow bursts of speech and silence; a signaling client in the same room notes when
// rtcActiveSpeakersChanged (voice activity) adds and drops the publisher. Same process, same clock.
//   npm run bench -- speakers [--bursts 30] [--speech-ms 600] [--silence-ms 1400]
import { parseArgs } from 'node:util';
import { DEFAULT_SPEAKER_OPTIONS } from '@rtcroom/protocol';
import { HeadlessPublisher, Signal } from './lib/headless-client.ts';
import { BENCH_APP, benchToken, startServerProcess } from './lib/server-process.ts';
import { percentile, printTable, writeResult } from './report.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bursts: { type: 'string', default: '30' },
      'speech-ms': { type: 'string', default: '600' },
      'silence-ms': { type: 'string', default: '1400' },
      /** Pause between words inside a burst, ms (0: one continuous word). */
      'word-gap-ms': { type: 'string', default: '0' },
      'hang-ms': { type: 'string' },
    },
  });
  const wordGapMs = Number(values['word-gap-ms']);
  const bursts = Math.min(200, Math.max(1, Number(values.bursts)));
  const speechMs = Number(values['speech-ms']);
  const silenceMs = Number(values['silence-ms']);
  const server = await startServerProcess(values['hang-ms'] ? ['--speaker-hang-ms', values['hang-ms']] : []);
  const hangMs = values['hang-ms'] ? Number(values['hang-ms']) : DEFAULT_SPEAKER_OPTIONS.hangMs;
  try {
    const spec = (userId: string) => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId: 'spk', userId, token: benchToken('spk', userId) });
    const listener = await Signal.connect(server.wsUrl);
    const events: { t: number; speaking: boolean }[] = [];
    listener.onEvent = (f) => {
      if (f.event !== 'rtcActiveSpeakersChanged') return;
      const speaking = (f.data.speakers as { userId: string }[]).some((s) => s.userId === 'talker');
      // level refreshes repeat the same state: keep transitions only
      if (events.at(-1)?.speaking !== speaking) events.push({ t: performance.now(), speaking });
    };
    await listener.request('joinRtcRoom', { appId: BENCH_APP.appId, roomId: 'spk', userId: 'listener', token: benchToken('spk', 'listener'), roomConfig: { autoSubscribe: false } });
    const pub = await HeadlessPublisher.join(spec('talker'));
    // speech: syllables at 22–35 dBov with short dips; silence: 100–120 dBov
    let phase: { speaking: boolean; since: number } = { speaking: false, since: performance.now() };
    const starts: number[] = [];
    const ends: number[] = [];
    let lastLoud = 0;
    pub.audioLevel = () => {
      const now = performance.now();
      if (!phase.speaking) return 100 + Math.random() * 20;
      // words of 400 ms separated by `word-gap-ms` of near-silence
      const inWordGap = wordGapMs > 0 && (now - phase.since) % (400 + wordGapMs) >= 400;
      if (inWordGap) return 90 + Math.random() * 20;
      const inSyllable = (now - phase.since) % 200 < 150;
      const level = inSyllable ? 22 + Math.random() * 13 : 55 + Math.random() * 15;
      if (level <= 50) {
        if (starts.length === ends.length) starts.push(now);
        lastLoud = now;
      }
      return level;
    };
    pub.start();
    await new Promise((r) => setTimeout(r, 2500)); // silence first, so the floor is known
    for (let i = 0; i < bursts; i++) {
      phase = { speaking: true, since: performance.now() };
      await new Promise((r) => setTimeout(r, speechMs));
      phase = { speaking: false, since: performance.now() };
      ends.push(lastLoud);
      await new Promise((r) => setTimeout(r, silenceMs));
    }
    await pub.close();
    listener.close();
    const onset: number[] = [];
    const drop: number[] = [];
    let flaps = 0;
    for (let i = 0; i < bursts; i++) {
      const window = events.filter((e) => e.t >= starts[i]! && (i + 1 >= bursts || e.t < starts[i + 1]!));
      const on = window.filter((e) => e.speaking);
      const off = window.filter((e) => !e.speaking);
      if (on[0]) onset.push(on[0].t - starts[i]!);
      if (off[0]) drop.push(off[0].t - ends[i]!);
      flaps += Math.max(0, on.length - 1);
    }
    const o = DEFAULT_SPEAKER_OPTIONS;
    const rows = [
      { measure: 'speech onset → event', n: onset.length, 'p50 ms': percentile(onset, 50), 'p90 ms': percentile(onset, 90), 'max ms': Math.max(...onset) },
      { measure: 'speech end → drop event', n: drop.length, 'p50 ms': percentile(drop, 50), 'p90 ms': percentile(drop, 90), 'max ms': Math.max(...drop) },
    ];
    console.log(
      `speaker detection, ${bursts} bursts of ${speechMs} ms speech (word gaps ${wordGapMs} ms) / ${silenceMs} ms silence; threshold ${o.thresholdDbov} dBov, onset ${o.onsetPackets} packets in ${o.onsetWindowMs} ms, hang ${hangMs} ms; ${server.pinned}`,
    );
    printTable(rows);
    console.log(`bursts detected: ${onset.length}/${bursts}; extra on-events inside bursts (flaps): ${flaps}`);
    console.log(`wrote ${writeResult('speakers', { pinned: server.pinned, options: { ...o, hangMs }, bursts, speechMs, silenceMs, wordGapMs, flaps, rows, onset, drop })}`);
  } finally {
    server.stop();
  }
}
