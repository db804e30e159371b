// A minimal Janus API client over one WebSocket (subprotocol `janus-protocol`): a session with
// keepalives, plugin handles, `message` with body + JSEP, `trickle`, transaction ids and events.
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';

/** A session description as Janus carries it. */
export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** false: the sender does not trickle (its candidates are all in the SDP). */
  trickle?: boolean;
}

/** A plugin reply or event: the plugin's data and, if any, a JSEP. */
export interface PluginReply {
  data: Record<string, any>;
  jsep?: Jsep;
}

/** A Janus API frame (the fields this client reads). */
interface Frame {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, any> };
  jsep?: Jsep;
}

type Pending = { resolve: (f: Frame) => void; reject: (e: Error) => void; onAck: boolean };

/** Waits for a WebSocket to open on `url` with the Janus subprotocol. */
export async function openJanusSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'janus-protocol');
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** One Janus session on its own WebSocket. */
export class JanusSession {
  readonly ws: WebSocket;
  /** The session id Janus assigned. */
  id = 0;
  #pending = new Map<string, Pending>();
  #handles = new Map<number, JanusHandle>();
  #keepalive: NodeJS.Timeout | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => this.#receive(JSON.parse(String(d)) as Frame));
    ws.on('close', () => {
      for (const p of this.#pending.values()) p.reject(new Error('janus: connection closed'));
      this.#pending.clear();
    });
  }

  /** Connects to `url` and creates a session; sends a keepalive every 25 s. */
  static async create(url: string): Promise<JanusSession> {
    const s = new JanusSession(await openJanusSocket(url));
    const f = await s.send({ janus: 'create' });
    s.id = f.data!.id;
    s.#keepalive = setInterval(() => void s.send({ janus: 'keepalive' }, true).catch(() => undefined), 25_000);
    s.#keepalive.unref();
    return s;
  }

  /**
   * Sends a request with a fresh transaction id. Resolves on `success` or an asynchronous `event`
   * for this transaction (or on `ack` when `onAck`); rejects on `error`.
   */
  send(msg: Record<string, unknown>, onAck = false): Promise<Frame> {
    const transaction = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      if (this.ws.readyState !== WebSocket.OPEN) return reject(new Error('janus: connection closed'));
      this.#pending.set(transaction, { resolve, reject, onAck });
      this.ws.send(JSON.stringify({ ...msg, transaction, ...(this.id ? { session_id: this.id } : {}) }));
    });
  }

  /** Attaches a handle to `plugin` (e.g. `janus.plugin.videoroom`). */
  async attach(plugin: string): Promise<JanusHandle> {
    const f = await this.send({ janus: 'attach', plugin });
    const h = new JanusHandle(this, f.data!.id);
    this.#handles.set(h.id, h);
    return h;
  }

  #receive(f: Frame): void {
    const p = f.transaction ? this.#pending.get(f.transaction) : undefined;
    if (p && (f.janus !== 'ack' || p.onAck)) {
      this.#pending.delete(f.transaction!);
      const err = f.error ?? (f.plugindata?.data['error_code'] ? { code: f.plugindata.data['error_code'], reason: f.plugindata.data['error'] } : undefined);
      if (err) p.reject(new Error(`janus ${err.code}: ${err.reason}`));
      else p.resolve(f);
      return;
    }
    if (f.janus === 'ack' || f.sender == null) return;
    this.#handles.get(f.sender)?.onEvent(f.janus, f.plugindata ? { data: f.plugindata.data, ...(f.jsep ? { jsep: f.jsep } : {}) } : undefined);
  }

  /** Destroys the session and closes the socket. */
  async close(): Promise<void> {
    clearInterval(this.#keepalive);
    if (this.ws.readyState === WebSocket.OPEN) {
      await Promise.race([this.send({ janus: 'destroy' }).catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.ws.terminate();
  }
}

/** A plugin handle in a {@link JanusSession}. */
export class JanusHandle {
  readonly session: JanusSession;
  /** The handle id Janus assigned. */
  readonly id: number;
  /** Called for events not tied to a pending request (`event`, `webrtcup`, `media`, `hangup`, ...). */
  onEvent: (janus: string, reply: PluginReply | undefined) => void = () => undefined;

  constructor(session: JanusSession, id: number) {
    this.session = session;
    this.id = id;
  }

  /** Sends a plugin `message` (with an optional JSEP) and resolves with the plugin's reply or event. */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    const f = await this.session.send({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) });
    return { data: f.plugindata?.data ?? {}, ...(f.jsep ? { jsep: f.jsep } : {}) };
  }

  /** Tells Janus that no more candidates will follow (ours are all in the SDP). */
  async trickleCompleted(): Promise<void> {
    await this.session.send({ janus: 'trickle', handle_id: this.id, candidate: { completed: true } }, true);
  }
}
