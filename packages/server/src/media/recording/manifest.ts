/**
 * A recording's manifest: `manifest.json` in its folder, written by the media side (where the
 * files are written) and read by the admin API. Replaced atomically (written aside, renamed).
 * @module
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingFile } from './track-recorder.ts';

export type { RecordingFile } from './track-recorder.ts';

/** The manifest's file name in a recording's folder. */
export const MANIFEST_NAME = 'manifest.json';

/** Why a recording stopped. */
export const STOP_REASONS = ['api', 'room_closed', 'limit', 'shutdown'] as const;
/** Why a recording stopped: the API, the room closing, the length cap, the server stopping. */
export type StopReason = (typeof STOP_REASONS)[number];

/** What starting a recording needs. */
export interface RecordingSpec {
  /** `rec_…` */
  id: string;
  /** Its folder (absolute; created by the media side). */
  dir: string;
  appId: string;
  roomId: string;
  /** Unix ms. */
  startedAt: number;
}

/** The manifest. */
export interface RecordingManifest {
  id: string;
  appId: string;
  roomId: string;
  /** `recording`, then `stopped`. */
  status: 'recording' | 'stopped';
  /** ISO 8601 */
  startedAt: string;
  stoppedAt?: string;
  stopReason?: StopReason;
  /** One file per publication of a track (a republish starts the next file), in creation order. */
  files: RecordingFile[];
}

/** Writes `m` into `dir` atomically. */
export async function writeManifest(dir: string, m: RecordingManifest): Promise<void> {
  const tmp = join(dir, `.${MANIFEST_NAME}.tmp`);
  await writeFile(tmp, JSON.stringify(m, null, 1));
  await rename(tmp, join(dir, MANIFEST_NAME));
}

/** Reads the manifest of `dir`; undefined when there is none or it is not one. */
export async function readManifest(dir: string): Promise<RecordingManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_NAME), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as RecordingManifest;
    return typeof m === 'object' && m !== null && typeof m.id === 'string' && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}
