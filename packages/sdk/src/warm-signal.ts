/**
 * A signaling connection opened ahead of the first join (when the context is created), so the
 * join does not wait for the WebSocket handshake: mini-program code creates its context when the
 * page loads and joins after fetching a token, and the socket opens meanwhile (on a real network
 * the handshake is one to three round trips, with TLS). A socket that waited too long, or that
 * the server closed as idle, is not used: the join connects as before.
 * @module
 */
import type { EventFrame } from '@rtcroom/protocol';
import { SignalClient, type SignalHandlers } from './signal-client.ts';

/**
 * How long an unused warm socket stays usable (ms). The server closes a socket that joined no
 * room after `idleSessionMs` (30 s by default); a join on a socket closed meanwhile connects again.
 */
export const WARM_SIGNAL_MAX_AGE_MS = 20_000;

/** A socket opened before it is needed; {@link take} hands it to one join. */
export class WarmSignal {
  #client: Promise<SignalClient | undefined> | undefined;
  #handlers: SignalHandlers | undefined;
  #openedAt = 0;
  #lost = false;
  readonly #maxAgeMs: number;

  /**
   * Starts opening a connection to `url` (a failure is kept quiet: the join connects itself).
   * @param maxAgeMs how long the open socket stays usable
   */
  constructor(url: string, maxAgeMs = WARM_SIGNAL_MAX_AGE_MS) {
    this.#maxAgeMs = maxAgeMs;
    const handlers: SignalHandlers = {
      onEvent: (f: EventFrame) => this.#handlers?.onEvent(f),
      onLost: (reason, code) => {
        this.#lost = true;
        this.#handlers?.onLost(reason, code);
      },
    };
    this.#client = SignalClient.connect(url, handlers, 'joinRtcRoom').then(
      (c) => {
        this.#openedAt = performance.now();
        return c;
      },
      () => undefined,
    );
  }

  /**
   * The socket for a join, which then gets its frames and its loss through `handlers`; undefined
   * when it failed to open, closed, or is older than the maximum age. Only the first call can get
   * it. Waits for a socket still opening (it opens sooner than a new one would).
   */
  async take(handlers: SignalHandlers): Promise<SignalClient | undefined> {
    const pending = this.#client;
    this.#client = undefined;
    const client = await pending;
    if (!client) return undefined;
    if (this.#lost || performance.now() - this.#openedAt > this.#maxAgeMs) {
      client.close();
      return undefined;
    }
    this.#handlers = handlers;
    return client;
  }

  /** Closes the socket if no join took it. */
  close(): void {
    const pending = this.#client;
    this.#client = undefined;
    void pending?.then((c) => c?.close());
  }
}
