/**
 * A WebM writer for one track (VP8 or Opus): EBML header, a Segment with a SeekHead, Info,
 * Tracks, Clusters of SimpleBlocks (a new Cluster at each video key frame, at least every
 * {@link MAX_CLUSTER_MS}) and Cues. Timestamps are in milliseconds (TimecodeScale 1 ms).
 *
 * The file is appended as it goes, so it is readable while written (a Segment of unknown size,
 * as live WebM is). {@link WebmWriter.finish} then writes the Cues and patches three places
 * reserved at the start: the Segment size, the Duration, and the SeekHead that points at Info,
 * Tracks and Cues. A Cluster is emitted whole when it closes (its size is known then): a crash
 * loses at most the open Cluster.
 * @module
 */
import { element, float, idBytes, string, uint, UNKNOWN_SIZE_8, vint, voidElement } from './ebml.ts';

/** Element ids (Matroska). */
const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b,
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  CueTrack: 0xf7,
  CueClusterPosition: 0xf1,
} as const;

/** A Cluster spans at most this long (ms; SimpleBlock offsets are signed 16-bit). */
export const MAX_CLUSTER_MS = 5000;
/** A Cluster holds at most this many bytes before a new one starts. */
export const MAX_CLUSTER_BYTES = 4 * 1024 * 1024;
/** Opus decoders must decode this long before a seek point to converge (ns; Matroska's advice). */
const OPUS_SEEK_PREROLL_NS = 80_000_000;
/** Bytes reserved for the SeekHead (three Seeks of 8-byte positions, 68 bytes, and a Void). */
const SEEKHEAD_RESERVE = 80;
/** Bytes reserved for the Duration element (id 2, size 1, float 8). */
const DURATION_RESERVE = 11;

/** The track a file holds. */
export interface WebmTrackInfo {
  codec: 'vp8' | 'opus';
  /** VP8: picture size of the first key frame. */
  width?: number;
  height?: number;
  /** Opus: channel count (1 or 2). */
  channels?: number;
}

/** Where the bytes go: appended (`position` undefined) or written over earlier bytes. */
export type WebmOutput = (bytes: Buffer, position?: number) => void;

/** The OpusHead of RFC 7845 §5.1, as Matroska's CodecPrivate for A_OPUS (pre-skip 0: joined mid-stream). */
export function opusHead(channels: number): Buffer {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'ascii');
  b[8] = 1;
  b[9] = channels;
  b.writeUInt16LE(0, 10);
  b.writeUInt32LE(48000, 12);
  b.writeInt16LE(0, 16);
  b[18] = 0;
  return b;
}

/** Writes one track to a WebM file through `out`. */
export class WebmWriter {
  readonly #out: WebmOutput;
  readonly #video: boolean;
  /** Bytes appended so far. */
  #size = 0;
  /** File position of the Segment's payload (SeekHead and Cue positions count from it). */
  readonly #segmentData: number;
  readonly #segmentSizeAt: number;
  readonly #seekHeadAt: number;
  readonly #durationAt: number;
  readonly #infoAt: number;
  readonly #tracksAt: number;
  #cluster: Buffer[] = [];
  #clusterBytes = 0;
  #clusterTime = -1;
  #clusterKey = false;
  readonly #cues: { time: number; position: number }[] = [];
  #first = -1;
  #last = -1;
  #lastDuration = 0;
  #frames = 0;
  #finished = false;

  constructor(track: WebmTrackInfo, out: WebmOutput) {
    this.#out = out;
    this.#video = track.codec === 'vp8';
    const header = element(
      ID.EBML,
      uint(ID.EBMLVersion, 1),
      uint(ID.EBMLReadVersion, 1),
      uint(ID.EBMLMaxIDLength, 4),
      uint(ID.EBMLMaxSizeLength, 8),
      string(ID.DocType, 'webm'),
      uint(ID.DocTypeVersion, 4),
      uint(ID.DocTypeReadVersion, 2),
    );
    const segmentHead = Buffer.concat([idBytes(ID.Segment), UNKNOWN_SIZE_8]);
    this.#segmentSizeAt = header.length + 4;
    this.#segmentData = header.length + segmentHead.length;
    this.#seekHeadAt = this.#segmentData;
    const app = 'rtcroom';
    const infoBody = Buffer.concat([uint(ID.TimecodeScale, 1_000_000), string(ID.MuxingApp, app), string(ID.WritingApp, app), voidElement(DURATION_RESERVE)]);
    const info = element(ID.Info, infoBody);
    this.#infoAt = this.#seekHeadAt + SEEKHEAD_RESERVE;
    this.#durationAt = this.#infoAt + info.length - DURATION_RESERVE;
    this.#tracksAt = this.#infoAt + info.length;
    const tracks = element(ID.Tracks, this.#trackEntry(track));
    this.#append(Buffer.concat([header, segmentHead, voidElement(SEEKHEAD_RESERVE), info, tracks]));
  }

  #trackEntry(t: WebmTrackInfo): Buffer {
    const common = [uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.FlagLacing, 0)];
    if (t.codec === 'vp8') {
      return element(ID.TrackEntry, ...common, uint(ID.TrackType, 1), string(ID.CodecID, 'V_VP8'), element(ID.Video, uint(ID.PixelWidth, t.width ?? 0), uint(ID.PixelHeight, t.height ?? 0)));
    }
    const channels = t.channels ?? 2;
    return element(
      ID.TrackEntry,
      ...common,
      uint(ID.TrackType, 2),
      string(ID.CodecID, 'A_OPUS'),
      element(ID.CodecPrivate, opusHead(channels)),
      uint(ID.CodecDelay, 0),
      uint(ID.SeekPreRoll, OPUS_SEEK_PREROLL_NS),
      element(ID.Audio, float(ID.SamplingFrequency, 48000), uint(ID.Channels, channels)),
    );
  }

  #append(b: Buffer): void {
    this.#out(b);
    this.#size += b.length;
  }

  /** Bytes written so far (the open Cluster not included). */
  get bytes(): number {
    return this.#size;
  }

  /** Frames written. */
  get frames(): number {
    return this.#frames;
  }

  /** Time from the first frame to the end of the last one (ms). */
  get durationMs(): number {
    return this.#first < 0 ? 0 : this.#last - this.#first + this.#lastDuration;
  }

  /**
   * Adds one frame.
   * @param timeMs its presentation time (any origin: the first frame is written at 0); a time
   * not after the previous frame's is taken as 1 ms after it (a track's times must strictly
   * increase: ffmpeg rejects two frames at one time as "non monotonically increasing dts", and a
   * timestamp a few ticks after the previous one, as a source switch of the rewriter makes, is
   * the same millisecond)
   * @param durationMs how long it plays (the Duration counts the last frame's)
   */
  addFrame(data: Buffer, timeMs: number, keyframe: boolean, durationMs: number): void {
    if (this.#finished) return;
    if (this.#first < 0) this.#first = timeMs;
    const t = Math.max(Math.round(timeMs - this.#first), this.#last < 0 ? 0 : this.#last - this.#first + 1);
    const newCluster =
      this.#clusterTime < 0 || (this.#video && keyframe) || t - this.#clusterTime >= MAX_CLUSTER_MS || this.#clusterBytes + data.length > MAX_CLUSTER_BYTES;
    if (newCluster) {
      this.#flushCluster();
      this.#clusterTime = t;
      this.#clusterKey = keyframe;
    }
    const head = Buffer.alloc(4);
    head[0] = 0x81; // track number 1 as a vint
    head.writeInt16BE(t - this.#clusterTime, 1);
    head[3] = keyframe ? 0x80 : 0;
    const block = Buffer.concat([idBytes(ID.SimpleBlock), vint(data.length + 4), head, data]);
    this.#cluster.push(block);
    this.#clusterBytes += block.length;
    this.#last = t + this.#first;
    this.#lastDuration = durationMs;
    this.#frames++;
  }

  #flushCluster(): void {
    if (this.#cluster.length === 0) return;
    const body = Buffer.concat([uint(ID.Timecode, this.#clusterTime), ...this.#cluster]);
    // a seek lands on a key frame: video cues only at Clusters that start with one
    if (this.#clusterKey || !this.#video) this.#cues.push({ time: this.#clusterTime, position: this.#size - this.#segmentData });
    this.#append(element(ID.Cluster, body));
    this.#cluster = [];
    this.#clusterBytes = 0;
  }

  /** Writes the last Cluster and the Cues, then the Segment size, Duration and SeekHead. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#flushCluster();
    let cuesAt = -1;
    if (this.#cues.length > 0) {
      cuesAt = this.#size;
      const points = this.#cues.map((c) =>
        element(ID.CuePoint, uint(ID.CueTime, c.time), element(ID.CueTrackPositions, uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, c.position))),
      );
      this.#append(element(ID.Cues, ...points));
    }
    this.#out(vint(this.#size - this.#segmentData, 8), this.#segmentSizeAt);
    this.#out(float(ID.Duration, this.durationMs), this.#durationAt);
    const seek = (id: number, at: number) => element(ID.Seek, element(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, at - this.#segmentData, 8));
    const entries = [seek(ID.Info, this.#infoAt), seek(ID.Tracks, this.#tracksAt)];
    if (cuesAt >= 0) entries.push(seek(ID.Cues, cuesAt));
    const head = element(ID.SeekHead, ...entries);
    this.#out(Buffer.concat([head, voidElement(SEEKHEAD_RESERVE - head.length)]), this.#seekHeadAt);
  }
}
