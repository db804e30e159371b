/**
 * Records one publication of one track (from publish to unpublish) into one WebM file. It taps
 * the producer like a subscriber's consumer does: for simulcast it follows one layer (the
 * highest flowing, switching on key frames, through the same `LayerSelector` and rewriter as a
 * consumer), then reorders packets (a small jitter buffer that waits for retransmissions),
 * joins VP8 frames or takes Opus packets, and writes them with their RTP times. A key frame is
 * asked for at the start and after a loss.
 * @module
 */
import { join } from 'node:path';
import type { RtpPacket } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import type { Producer, RtpTap } from '../producer.ts';
import { SeqTsRewriter } from '../rewriter.ts';
import { LayerSelector } from '../simulcast/layer-selector.ts';
import { FileSink } from './file-sink.ts';
import { JitterBuffer, type ReleasedPacket } from './jitter-buffer.ts';
import { opusPacketMs, Vp8Assembler } from './vp8-frames.ts';
import { WebmWriter } from './webm-writer.ts';

/** How long a missing packet is waited for (ms): a NACKed retransmission comes within a round trip. */
const JITTER_LATENCY_MS = 300;
/** At most this many packets are held while waiting. */
const JITTER_MAX_PACKETS = 1500;
/** Keyframe requests while waiting for one, at most this often (ms). */
const KEYFRAME_RETRY_MS = 1000;
/** A simulcast layer silent this long has stopped (ms). */
const LAYER_STALE_MS = 1000;

/** One file of a recording, as listed in its manifest. */
export interface RecordingFile {
  /** File name in the recording's folder: `{userId}-{source}-{n}.webm`. */
  name: string;
  userId: string;
  source: TrackSource;
  codec: 'vp8' | 'opus';
  /** `video/webm` or `audio/webm`. */
  contentType: string;
  /** Wall-clock time of its first frame (ISO 8601). */
  startedAt: string;
  /** Its first frame's time after the recording started (ms): where it sits on the recording's timeline. */
  offsetMs: number;
  /** Media duration (ms); grows while written. */
  durationMs: number;
  bytes: number;
  frames: number;
  /** VP8: picture size of its first key frame. */
  width?: number;
  height?: number;
  /** `writing` while the track is recorded, `complete` once closed, `failed` after a write error. */
  state: 'writing' | 'complete' | 'failed';
  /** What failed. */
  error?: string;
}

/** Records one publication of a producer. */
export class TrackRecorder implements RtpTap {
  readonly #p: Producer;
  readonly #dir: string;
  readonly #startedAtMs: number;
  readonly #nameFor: () => string;
  readonly #onFile: (f: RecordingFile) => void;
  readonly #rewriter = new SeqTsRewriter();
  readonly #jitter = new JitterBuffer({ latencyMs: JITTER_LATENCY_MS, maxPackets: JITTER_MAX_PACKETS });
  readonly #vp8: Vp8Assembler | undefined;
  #selector: LayerSelector | undefined;
  #sink: FileSink | undefined;
  #writer: WebmWriter | undefined;
  #file: RecordingFile | undefined;
  /** Unwrapped timestamp base: the first frame's RTP time, and the last seen (for wraps). */
  #tsBase = -1;
  #tsLast = 0;
  #tsHigh = 0;
  #lastFrameTs = -1;
  #lastKeyframeAsk = -Infinity;
  /** Arrival time of the packet being handled (performance.now()). */
  #packetAt = performance.now();
  #stopped = false;
  #closing = false;
  /** What broke the recording of this track (a write error is the sink's). */
  #failed: Error | undefined;

  /**
   * @param dir the recording's folder
   * @param startedAtMs when the recording started (Unix ms): files' offsets count from it
   * @param nameFor gives the file name (without extension) when the first frame comes
   * @param onFile called when the file is created (the manifest lists it)
   */
  constructor(p: Producer, dir: string, startedAtMs: number, nameFor: () => string, onFile: (f: RecordingFile) => void) {
    this.#p = p;
    this.#dir = dir;
    this.#startedAtMs = startedAtMs;
    this.#nameFor = nameFor;
    this.#onFile = onFile;
    // a broken frame asks at the time of the packet that showed it (one clock with the retries)
    if (p.kind === 'video') this.#vp8 = new Vp8Assembler(() => this.#askKeyframe(this.#packetAt, true));
    p.taps.add(this);
    this.#askKeyframe(performance.now(), true);
  }

  /** The file, once created. */
  get file(): RecordingFile | undefined {
    return this.#file;
  }

  #askKeyframe(now: number, force = false): void {
    if (this.#p.kind !== 'video' || (!force && now - this.#lastKeyframeAsk < KEYFRAME_RETRY_MS)) return;
    this.#lastKeyframeAsk = now;
    if (this.#selector) this.#p.requestKeyframe(Math.max(0, this.#selector.target));
    else this.#p.requestKeyframe(this.#p.simulcast ? this.#p.layers.length - 1 : 0);
  }

  /** One packet the producer forwards (its payload is shared: copied before it is kept). */
  onRtp(packet: RtpPacket, now: number, layer: number): void {
    if (this.#stopped) return;
    try {
      this.#onRtp(packet, now, layer);
    } catch (e) {
      // a recording never disturbs forwarding: this file ends here, marked failed
      this.#failed ??= e as Error;
      this.#stopped = true;
      this.#p.taps.delete(this);
    }
  }

  #onRtp(packet: RtpPacket, now: number, layer: number): void {
    this.#packetAt = now;
    const p = this.#p;
    if (p.layers.length > 1) {
      let sel = this.#selector;
      if (!sel || sel.layers.length !== p.layers.length) {
        sel = this.#selector = new LayerSelector(
          p.layers.map((l) => ({ rid: l.rid })),
          { requestKeyframe: (l) => p.requestKeyframe(l), staleMs: LAYER_STALE_MS },
        );
      }
      if (sel.onPacket(layer, p.vp8Valid && p.vp8.keyframe, p.vp8Valid && p.vp8.startsFrame, now) === 'drop') return;
    }
    const h = packet.header;
    this.#rewriter.rewrite(h.ssrc, h.sequenceNumber, h.timestamp, now, p.clockRate);
    const out = this.#jitter.push(this.#rewriter.seq, this.#rewriter.timestamp, h.marker, Buffer.from(packet.payload), now);
    for (const r of out) this.#take(r);
    if (this.#vp8?.waitingForKeyframe) this.#askKeyframe(now);
  }

  /** RTP time in ms since the first frame, unwrapped across 32-bit wraps. */
  #ms(ts: number): number {
    if (this.#tsBase < 0) {
      this.#tsBase = ts;
      this.#tsLast = ts;
    }
    const d = (ts - this.#tsLast) | 0; // signed 32-bit step
    this.#tsHigh += d;
    this.#tsLast = ts;
    return (this.#tsHigh * 1000) / this.#p.clockRate;
  }

  #take(r: ReleasedPacket): void {
    if (this.#vp8) {
      const f = this.#vp8.push(r.payload, r.timestamp, r.marker, r.lostBefore);
      if (!f) return;
      const t = this.#ms(f.timestamp);
      const frameMs = this.#lastFrameTs < 0 ? 33 : Math.max(1, t - this.#lastFrameTs);
      this.#lastFrameTs = t;
      this.#write(f.data, t, f.keyframe, frameMs, f.width, f.height);
    } else {
      if (r.payload.length === 0) return;
      this.#write(r.payload, this.#ms(r.timestamp), true, opusPacketMs(r.payload), 0, 0);
    }
  }

  #write(data: Buffer, timeMs: number, keyframe: boolean, durationMs: number, width: number, height: number): void {
    if (!this.#writer) {
      const name = `${this.#nameFor()}.webm`;
      const video = this.#p.kind === 'video';
      const now = Date.now();
      this.#sink = new FileSink(join(this.#dir, name));
      const sink = this.#sink;
      // Opus TOC's s bit: a stereo stream; mono otherwise
      const channels = video ? undefined : (data[0]! & 0x04) !== 0 ? 2 : 1;
      this.#writer = new WebmWriter(video ? { codec: 'vp8', width, height } : { codec: 'opus', channels }, (b, at) => sink.write(b, at));
      this.#file = {
        name,
        userId: this.#p.userId,
        source: this.#p.source,
        codec: video ? 'vp8' : 'opus',
        contentType: video ? 'video/webm' : 'audio/webm',
        startedAt: new Date(now).toISOString(),
        offsetMs: now - this.#startedAtMs,
        durationMs: 0,
        bytes: 0,
        frames: 0,
        ...(video ? { width, height } : {}),
        state: 'writing',
      };
      this.#onFile(this.#file);
    }
    this.#writer.addFrame(data, timeMs, keyframe, durationMs);
    this.#update();
  }

  #update(): void {
    const f = this.#file;
    const w = this.#writer;
    if (!f || !w) return;
    f.durationMs = Math.round(w.durationMs);
    f.bytes = w.bytes;
    f.frames = w.frames;
    const err = this.#sink?.error ?? this.#failed;
    if (err) {
      f.state = 'failed';
      f.error = err.message;
    }
  }

  /** Stops tapping, writes what the jitter buffer holds, finishes and closes the file. */
  async stop(): Promise<RecordingFile | undefined> {
    if (this.#closing) return this.#file;
    this.#closing = true;
    this.#stopped = true;
    this.#p.taps.delete(this);
    try {
      if (!this.#failed) for (const r of this.#jitter.flush()) this.#take(r);
      this.#writer?.finish();
    } catch (e) {
      this.#failed ??= e as Error;
    }
    this.#update();
    await this.#sink?.close();
    const f = this.#file;
    if (f) {
      this.#update();
      if (f.state === 'writing') f.state = 'complete';
    }
    return f;
  }
}
