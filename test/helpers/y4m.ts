// A video file Chromium can use as its fake camera (`--use-file-for-fake-video-capture`): a band
// of moving noise over a still background, so the encoder needs the bitrate a real camera scene
// would (the built-in fake camera's pattern compresses to a fraction of that, and no link cap
// would bite) without the CPU a whole frame of noise costs on a two-core machine.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a Y4M (I420) of `frames` frames, the middle third of each noise; returns its path. */
export function noiseY4m(width = 640, height = 360, frames = 30, fps = 10): string {
  const path = join(mkdtempSync(join(tmpdir(), 'rtcroom-y4m-')), 'noise.y4m');
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  for (let i = 0; i < frames; i++) {
    const y = Buffer.alloc(width * height, 100);
    const band = Math.floor(height / 3);
    randomBytes(width * band).copy(y, width * band);
    parts.push(Buffer.from('FRAME\n'), y, chroma);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}
