/**
 * Keeps one media connection through network changes with ICE restarts, as LiveKit's resume
 * does. A connection `disconnected` for {@link IceWatchOptions.disconnectedMs} (a path that may
 * not come back: Wi-Fi to 4G, a new address) or `failed` is restarted while signaling is up;
 * after a signaling resume the session asks for a restart of every connection that is down or
 * has received nothing for {@link STALE_MS} ({@link IceWatch.kick}). Media keeps its DTLS session and SRTP keys, so nobody
 * else sees a change. Connections still down {@link IceWatchOptions.restartTimeoutMs} after
 * each of {@link IceWatchOptions.attempts} restarts are given up: the session joins again.
 * @module
 */
import { lastReceivedAgeMs } from './ice.ts';

/** After a signaling resume, a connection that goes down within this long is restarted at once (ms). */
export const KICK_WINDOW_MS = 5000;

/** At a resume, a connected path that received nothing for this long is restarted (ms). */
export const STALE_MS = 1000;

/** What an {@link IceWatch} needs of its session. */
export interface IceWatchHost {
  /** Whether signaling is up (an ICE restart is negotiated over it). */
  signalingUp(): boolean;
  /** Restarts ICE on the connection (a new negotiation). */
  restart(): Promise<void>;
  /** Restarts did not bring the connection back. */
  giveUp(): void;
}

/** Timings of an {@link IceWatch}. */
export interface IceWatchOptions {
  /** How long `disconnected` may last before a restart (ms, default 2000). */
  disconnectedMs?: number;
  /** How long one restart may take to connect (ms, default 8000). */
  restartTimeoutMs?: number;
  /** Restarts before giving up (default 2). */
  attempts?: number;
}

/** Watches one `RTCPeerConnection`. */
export class IceWatch {
  readonly #pc: RTCPeerConnection;
  readonly #host: IceWatchHost;
  readonly #disconnectedMs: number;
  readonly #restartTimeoutMs: number;
  readonly #attempts: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #restarting = false;
  #tries = 0;
  #closed = false;
  #kickedAt = -Infinity;
  /** ICE restarts made (for tests and stats). */
  restarts = 0;
  readonly #onState = (): void => this.#changed();

  constructor(pc: RTCPeerConnection, host: IceWatchHost, options: IceWatchOptions = {}) {
    this.#pc = pc;
    this.#host = host;
    this.#disconnectedMs = options.disconnectedMs ?? 2000;
    this.#restartTimeoutMs = options.restartTimeoutMs ?? 8000;
    this.#attempts = options.attempts ?? 2;
    pc.addEventListener('connectionstatechange', this.#onState);
  }

  /** Whether the connection carries media now. */
  get up(): boolean {
    return this.#pc.connectionState === 'connected';
  }

  /**
   * Signaling is back (resumed): restart now if the connection is down, or as soon as it goes
   * down within the next {@link KICK_WINDOW_MS} (the network change that broke signaling broke
   * media too, the browser may just not have noticed yet).
   */
  kick(): void {
    if (this.#closed) return;
    this.#kickedAt = performance.now();
    this.#tries = 0;
    void this.#kick();
  }

  async #kick(): Promise<void> {
    // the browser notices a dead path only seconds later: a path that has received nothing
    // lately (media and RTCP flow many times a second) is restarted now
    const down = this.#down() || (this.#pc.connectionState === 'connected' && ((await lastReceivedAgeMs(this.#pc).catch(() => undefined)) ?? Infinity) > STALE_MS);
    if (!down || this.#closed) return;
    this.#clear();
    this.#tries = 0;
    await this.#restart(true);
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#clear();
    this.#pc.removeEventListener('connectionstatechange', this.#onState);
  }

  #down(): boolean {
    const state = this.#pc.connectionState;
    return state === 'disconnected' || state === 'failed';
  }

  #changed(): void {
    if (this.#closed) return;
    const state = this.#pc.connectionState;
    if (state === 'connected') {
      this.#clear();
      this.#tries = 0;
    } else if (state === 'disconnected' && performance.now() - this.#kickedAt < KICK_WINDOW_MS && !this.#restarting) {
      this.#clear();
      void this.#restart();
    } else if (state === 'disconnected' && this.#timer === undefined && !this.#restarting) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#restart();
      }, this.#disconnectedMs);
    } else if (state === 'failed' && !this.#restarting) {
      this.#clear();
      void this.#restart();
    }
  }

  /** `stale`: restart even though the browser still calls the connection connected. */
  async #restart(stale = false): Promise<void> {
    if (this.#closed || (this.up && !stale) || this.#restarting) return;
    // no signaling: the session's recovery resumes it first, then kicks us
    if (!this.#host.signalingUp()) return;
    if (this.#tries >= this.#attempts) return this.#host.giveUp();
    this.#tries++;
    this.#restarting = true;
    this.restarts++;
    try {
      await this.#host.restart();
    } catch (e) {
      // the deadline below decides
      console.warn('rtcroom: ICE restart failed', e);
    } finally {
      this.#restarting = false;
    }
    if (this.#closed || (this.up && !stale)) return;
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#restart();
    }, this.#restartTimeoutMs);
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
