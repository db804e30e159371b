// Writes a WAV file of tone bursts and silence, for Chromium's --use-file-for-fake-audio-capture.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One segment: a tone (Hz, amplitude 0..1) or silence (hz 0), for `ms`. */
export interface Segment {
  hz: number;
  amplitude: number;
  ms: number;
}

/** Writes a 48 kHz mono 16-bit WAV made of `segments`; returns its path. */
export function writeWav(segments: readonly Segment[], rate = 48000): string {
  const samples = segments.reduce((n, s) => n + Math.round((s.ms * rate) / 1000), 0);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  let off = 44;
  for (const s of segments) {
    const n = Math.round((s.ms * rate) / 1000);
    for (let i = 0; i < n; i++, off += 2) {
      const v = s.hz > 0 ? Math.sin((2 * Math.PI * s.hz * i) / rate) * s.amplitude : 0;
      buf.writeInt16LE(Math.round(v * 32767), off);
    }
  }
  const path = join(mkdtempSync(join(tmpdir(), 'rtcroom-wav-')), 'speech.wav');
  writeFileSync(path, buf);
  return path;
}
