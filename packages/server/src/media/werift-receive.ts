/**
 * werift's receive path (0.25.2, pinned exactly) made cheaper per packet; part of the werift
 * adapter (werift-adapter.ts re-exports it). Nothing here changes what werift does, only what
 * it allocates and recomputes for each packet (measured in the meeting profile,
 * `npm run bench -- profile --scenario meeting --n 16`):
 *
 * - **Events** ({@link leanEvents}): werift's `Event.execute` starts an async function for its
 *   queued subscribers on every call, even when it has none: a promise and a microtask per
 *   event, four events per received RTP packet (the STUN protocol's datagram, the ICE agent's
 *   data, the DTLS transport's RTP, the track's RTP). The async part now runs only when there are
 *   queued subscribers.
 * - **Receivers** ({@link lightenReceiver}): for each packet werift sorts the receiver's codecs
 *   (`codecArray`, behind `nackEnabled`), splits the codec's MIME type twice (`name`), and
 *   calls the async `runRtcp` (a promise) to learn that its report loop already runs. The sorted
 *   codecs are kept until the codecs change, names are computed once per codec, and `runRtcp`
 *   is called only when its loop is not running.
 * @module
 */
import type { RTCPeerConnection, RTCRtpReceiver } from 'werift';

/** werift's `Event` (common/src/event.ts), the parts used here. */
interface EventInternals {
  event: { stack: { execute(...args: unknown[]): unknown }[]; promiseStack: { execute(...args: unknown[]): unknown }[] };
  ended: boolean;
  onerror: (e: unknown) => void;
  execute: (...args: unknown[]) => void;
}

const lean = new WeakSet<object>();

function isEvent(v: unknown): v is EventInternals {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Partial<EventInternals>;
  return typeof e.execute === 'function' && typeof e.event === 'object' && Array.isArray(e.event?.stack) && Array.isArray(e.event?.promiseStack);
}

/** Replaces `ev.execute` by one that starts the async part only for queued subscribers (once per event). */
export function leanEvent(ev: unknown): void {
  if (!isEvent(ev) || lean.has(ev)) return;
  lean.add(ev);
  ev.execute = (...args: unknown[]) => {
    if (ev.ended) return;
    for (const item of ev.event.stack) item.execute(...args);
    const queued = ev.event.promiseStack;
    if (queued.length === 0) return;
    (async () => {
      for (const item of queued) await item.execute(...args);
    })().catch((e: unknown) => ev.onerror(e));
  };
}

/** The objects of a connection whose events fire per packet (werift's names). */
interface PcInternals {
  dtlsTransports: {
    onRtp?: unknown;
    onRtcp?: unknown;
    iceTransport?: { connection?: { onData?: unknown; protocols?: { onDataReceived?: unknown }[] } };
  }[];
  getTransceivers(): {
    receiver: { onRtcp?: unknown; tracks?: { onReceiveRtp?: unknown }[]; trackBySSRC?: Record<string, { onReceiveRtp?: unknown } | undefined> };
    sender: { onRtcp?: unknown };
  }[];
}

/**
 * Makes the per-packet events of `pc` lean (see the module notes): its transports', ICE
 * agents', receivers', tracks' and senders'. Call it after each negotiation and when the
 * connection comes up (ICE protocols and tracks appear then); events seen before are skipped.
 */
export function leanEvents(pc: RTCPeerConnection): void {
  const p = pc as unknown as PcInternals;
  for (const t of p.dtlsTransports) {
    leanEvent(t.onRtp);
    leanEvent(t.onRtcp);
    const conn = t.iceTransport?.connection;
    leanEvent(conn?.onData);
    for (const protocol of conn?.protocols ?? []) leanEvent(protocol.onDataReceived);
  }
  for (const tr of p.getTransceivers()) {
    leanEvent(tr.receiver.onRtcp);
    leanEvent(tr.sender.onRtcp);
    for (const track of tr.receiver.tracks ?? []) leanEvent(track.onReceiveRtp);
    for (const track of Object.values(tr.receiver.trackBySSRC ?? {})) leanEvent(track?.onReceiveRtp);
  }
}

/** werift's receiver (media/rtpReceiver.ts), the parts changed here. */
interface ReceiverInternals {
  codecs: Record<number, CodecInternals>;
  prepareReceive(params: unknown): void;
  runRtcp(): Promise<void> | undefined;
  rtcpRunning: boolean;
  stopped: boolean;
}

/** werift's `RTCRtpCodecParameters`: `name` is a getter splitting `mimeType` on every read. */
interface CodecInternals {
  payloadType: number;
  mimeType: string;
}

const light = new WeakSet<object>();

/** Gives each codec of `codecs` its `name` as a value (what werift's getter returns). */
function nameCodecs(codecs: Record<number, CodecInternals>): void {
  for (const c of Object.values(codecs)) {
    if (typeof c?.mimeType === 'string' && !Object.prototype.hasOwnProperty.call(c, 'name')) {
      Object.defineProperty(c, 'name', { value: c.mimeType.split('/')[1], configurable: true, enumerable: false, writable: true });
    }
  }
}

/** Applies the receiver changes of the module notes to `receiver` (once). */
export function lightenReceiver(receiver: RTCRtpReceiver): void {
  if (light.has(receiver)) return;
  light.add(receiver);
  const r = receiver as unknown as ReceiverInternals;
  if (typeof r.prepareReceive !== 'function' || typeof r.runRtcp !== 'function' || typeof r.codecs !== 'object') return;
  let sorted: CodecInternals[] | undefined;
  const prepare = r.prepareReceive.bind(r);
  // werift changes a receiver's codecs only here (resyncCodecs empties them and calls it)
  r.prepareReceive = (params) => {
    sorted = undefined;
    prepare(params);
    nameCodecs(r.codecs);
  };
  nameCodecs(r.codecs);
  Object.defineProperty(r, 'codecArray', {
    configurable: true,
    get: () => (sorted ??= Object.values(r.codecs).sort((a, b) => a.payloadType - b.payloadType)),
  });
  const run = r.runRtcp.bind(r);
  r.runRtcp = () => (r.rtcpRunning || r.stopped ? undefined : run());
}
