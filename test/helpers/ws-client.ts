// A raw signaling client over the `ws` package, for integration tests.
import { WebSocket } from 'ws';

/** A frame the server sent. */
export type Frame = {
  id?: number | null;
  result?: Record<string, unknown>;
  error?: { errNo?: number; errMsg: string; errorCode?: number; errorType?: string };
  event?: string;
  data?: { roomId: string; userIdList: string[] };
};

/** A connected signaling client that records everything it receives. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  #nextId = 1;
  #waiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(String(d)) as Frame);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.#wake();
    });
  }

  /** Connects to `url`. `autoPong: false` makes a client that reads but never answers the server's pings (a dead one, as far as the server can tell). */
  static async connect(url: string, opts: { autoPong?: boolean } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestClient(ws);
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves with the first received frame matching `pred` (looking at past frames too). */
  waitFor(pred: (f: Frame) => boolean, what = 'frame', timeoutMs = 5000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.frames.find(pred);
        if (f) {
          cleanup();
          resolve(f);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check as () => void);
      };
      if (!check()) this.#waiters.add(check as () => void);
    });
  }

  /** Resolves when the socket is closed. */
  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (!this.closed) await this.waitFor(() => this.closed !== undefined, 'close', timeoutMs).catch(() => undefined);
    if (!this.closed) throw new Error('socket not closed');
    return this.closed;
  }

  /** Sends raw text. */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Sends a request and waits for its reply. */
  async request(method: string, params?: unknown, api?: string): Promise<Frame> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ id, method, params, ...(api ? { api } : {}) }));
    return this.waitFor((f) => f.id === id, `reply to ${method}#${id}`);
  }

  /** Latest members snapshot received, if any. */
  lastMembers(): string[] | undefined {
    const ev = this.frames.filter((f) => f.event === 'rtcChatMembersChanged');
    return ev.at(-1)?.data?.userIdList;
  }

  /** Waits until the latest members snapshot equals `list`. */
  async waitMembers(list: string[], timeoutMs = 5000): Promise<void> {
    const want = JSON.stringify(list);
    await this.waitFor(() => JSON.stringify(this.lastMembers()) === want, `members ${want}`, timeoutMs);
  }

  /** Closes politely. */
  close(): void {
    this.ws.close();
  }
}
