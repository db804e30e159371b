/**
 * A publisher's media RTP taken below werift (0.25.2, pinned exactly), on the native path; part
 * of the werift adapter (werift-adapter.ts re-exports it).
 *
 * For each RTP packet, werift's receive path goes through an SRTP session that parses the header
 * and copies its rollover state, a second parse of the decrypted packet, a router that turns every
 * header extension into an object (by URI), the receiver's bookkeeping and a copy of the packet
 * for the track's subscribers: about a quarter of the server's busy time in a meeting of 16
 * (`npm run bench -- profile --scenario meeting --n 16`), more than the forwarding itself at a
 * few subscribers. Once werift has routed a stream (an SSRC it knows the receiver and track of),
 * {@link receiveNatively} takes the stream's packets as they leave the ICE agent:
 *
 * - one header parse, decryption on the native module's pre-keyed context, werift's rollover
 *   counter estimate kept in werift's own per-SSRC state ({@link rocFor}), so werift can take a
 *   stream back at any time;
 * - what werift's receiver does with a packet, by werift's own objects: its statistics (for its
 *   receiver reports), its NACK tracker, its report loop; the transport-wide sequence number to
 *   the connection's feedback; the audio level read from its extension;
 * - the packet to the track's subscribers, as werift hands it (`onReceiveRtp`).
 *
 * What werift still handles: RTCP, DTLS, RTX and padding (their own SSRCs), a stream's first
 * packets (rid-based simulcast layers are mapped to SSRCs there), a profile the native module
 * does not know, and everything after {@link forgetRoutes} until werift routed a stream again.
 * @module
 */
import { RtpHeader, RtpPacket, type RTCPeerConnection } from 'werift';
import type { NativeUnprotector } from './native/native-unprotector.ts';
import { parseRtpHeaderInto } from './rtp-header-parse.ts';
import { TWCC_EXTENSION_URI } from './downlink-cc.ts';

/** werift's per-SSRC SRTP state (rtp/src/srtp/context/context.ts). */
export interface RocState {
  rolloverCounter: number;
  lastSequenceNumber: number;
  rolloverHasProcessed?: boolean;
}

/** werift's bound for reordering around a sequence-number wrap (MaxROCDisorder). */
const ROC_DISORDER = 100;
const MAX_SEQ = 0xffff;

/**
 * The rollover counter werift's `updateRolloverCount` gives a packet of sequence number `seq`
 * (RFC 3711 §3.3.1, werift's reading of it), without changing `s`: the state changes only once
 * the packet authenticated ({@link commitRoc}), as in werift.
 */
export function rocFor(s: RocState, seq: number): number {
  const roc = s.rolloverCounter;
  if (!s.rolloverHasProcessed) return roc;
  const last = s.lastSequenceNumber;
  if (seq === 0) return last > ROC_DISORDER ? roc + 1 : roc;
  if (last < ROC_DISORDER && seq > MAX_SEQ - ROC_DISORDER) return roc > 0 ? roc - 1 : roc;
  if (seq < ROC_DISORDER && last > MAX_SEQ - ROC_DISORDER) return roc + 1;
  return roc;
}

/** Records an authenticated packet in `s`, as werift's decryption does. */
export function commitRoc(s: RocState, seq: number, roc: number): void {
  s.rolloverHasProcessed = true;
  s.rolloverCounter = roc;
  s.lastSequenceNumber = seq;
}

/** Where transport-wide sequence numbers go. */
export interface TwccSink {
  handleTWCC(transportSequenceNumber: number): void;
}

const openers = new WeakMap<object, NativeUnprotector>();

/** Notes that `cipher` (a werift SRTP context's cipher) decrypts on `opener` (decryptNatively does). */
export function openNativelyWith(cipher: object, opener: NativeUnprotector): void {
  openers.set(cipher, opener);
}

/** werift's remote SRTP context (rtp/src/srtp/context/srtp.ts). */
interface SrtpContextInternals {
  cipher?: object;
  srtpSSRCStates: Record<number, RocState | undefined>;
  rtpAuthTagLength: number;
}

/** werift's receiver (media/rtpReceiver.ts), the parts used here. */
interface ReceiverInternals {
  stopped: boolean;
  codecs: Record<number, { name: string; clockRate: number } | undefined>;
  trackBySSRC: Record<number, TrackInternals | undefined>;
  remoteStreams: Record<number, { add(packet: RtpPacket): void } | undefined>;
  nackEnabled: unknown;
  nack: { addPacket(packet: RtpPacket): void };
  runRtcp(): unknown;
}

/** werift's track (media/track.ts), the parts used here. */
interface TrackInternals {
  kind: string;
  onReceiveRtp: { execute(packet: RtpPacket, extensions: Record<string, unknown>): void };
}

/** werift's connection-wide RTP router (media/router.ts). */
interface RouterInternals {
  ssrcTable: Record<number, unknown>;
  extIdUriMap: Record<number, string>;
}

/** werift's DTLS transport, the parts used here. */
interface TransportInternals {
  srtp?: { remoteContext?: SrtpContextInternals };
  iceTransport?: { connection?: { onData?: { execute: (data: Buffer) => void } } };
}

/** The RFC 6464 audio level extension: the key of its value in what a track's `onReceiveRtp` gets (`{ v, level }`). */
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const NO_EXTENSIONS: Record<string, unknown> = Object.freeze({});

/** One stream werift routed: what its packets need. */
interface Route {
  pt: number;
  context: SrtpContextInternals;
  opener: NativeUnprotector;
  state: RocState;
  receiver: ReceiverInternals;
  track: TrackInternals;
  stats: { add(packet: RtpPacket): void };
  nack: boolean;
  /** The SRTP authentication tag's length (the context's profile). */
  tag: number;
  /** Extension ids (0: not negotiated). */
  twccId: number;
  levelId: number;
}

/** A connection's routes (by SSRC) and what it needs to make them. */
interface Receiving {
  routes: Map<number, Route>;
  router: RouterInternals;
  sink: TwccSink;
}

const receiving = new WeakMap<object, Receiving>();

/** Publishers' RTP packets this process took below werift (authenticated), since start. */
export const belowWerift = { packets: 0 };

/** The negotiated id of header extension `uri` in werift's map (0: not negotiated). */
export function extensionId(extIdUriMap: Record<number, string>, uri: string): number {
  for (const [id, u] of Object.entries(extIdUriMap)) if (u === uri) return Number(id);
  return 0;
}

/** The route of a packet of `ssrc` and payload type `pt`, if werift routed that stream already and it is one we take. */
function routeOf(r: Receiving, context: SrtpContextInternals, ssrc: number, pt: number): Route | undefined {
  const receiver = r.router.ssrcTable[ssrc] as ReceiverInternals | undefined;
  if (!receiver || receiver.stopped || typeof receiver.trackBySSRC !== 'object') return undefined;
  const track = receiver.trackBySSRC[ssrc];
  const codec = receiver.codecs[pt];
  const stats = receiver.remoteStreams[ssrc];
  const state = context.srtpSSRCStates[ssrc];
  const opener = context.cipher ? openers.get(context.cipher) : undefined;
  if (!track || !codec || !stats || !state || !opener) return undefined;
  const name = codec.name.toLowerCase();
  if (name === 'rtx' || name === 'red') return undefined;
  const route: Route = {
    pt,
    context,
    opener,
    state,
    receiver,
    track,
    stats,
    nack: track.kind === 'video' && !!receiver.nackEnabled,
    tag: context.rtpAuthTagLength,
    twccId: extensionId(r.router.extIdUriMap, TWCC_EXTENSION_URI),
    levelId: track.kind === 'audio' ? extensionId(r.router.extIdUriMap, AUDIO_LEVEL_URI) : 0,
  };
  r.routes.set(ssrc, route);
  return route;
}

/**
 * Takes the datagram if it is RTP of a stream werift routed (see the module notes); false leaves
 * it to werift. A packet that does not authenticate is dropped, as werift drops it.
 */
function take(r: Receiving, t: TransportInternals, data: Buffer): boolean {
  const len = data.length;
  if (len < 12 || (data[0]! & 0xc0) !== 0x80) return false;
  const pt = data[1]! & 0x7f;
  // RTCP (RFC 5761 §4) and anything werift's SRTP layer has not started on stay with werift
  if (pt >= 64 && pt <= 95) return false;
  const context = t.srtp?.remoteContext;
  if (!context) return false;
  const ssrc = data.readUInt32BE(8);
  let route = r.routes.get(ssrc);
  if (!route || route.pt !== pt || route.context !== context || r.router.ssrcTable[ssrc] !== route.receiver || route.receiver.stopped) {
    route = routeOf(r, context, ssrc, pt);
    if (!route) return false;
  }
  const tag = route.tag;
  if (len < 12 + tag) return true;
  const header = new RtpHeader();
  if (!parseRtpHeaderInto(header, data.subarray(0, len - tag))) return true;
  header.paddingSize = 0;
  const seq = header.sequenceNumber;
  const roc = rocFor(route.state, seq);
  const rtp = route.opener.open(data, roc, header);
  if (!rtp) return true;
  commitRoc(route.state, seq, roc);
  belowWerift.packets++;
  const packet = new RtpPacket(header, rtp.subarray(header.payloadOffset, rtp.length - header.paddingSize));
  let extensions = NO_EXTENSIONS;
  if (header.extension) {
    for (const e of header.extensions) {
      if (e.id === route.twccId && e.payload.length >= 2) r.sink.handleTWCC(e.payload.readUInt16BE(0));
      else if (e.id === route.levelId && e.payload.length >= 1) {
        const b = e.payload[0]!;
        extensions = { [AUDIO_LEVEL_URI]: { v: (b & 0x80) !== 0, level: b & 0x7f } };
      }
    }
  }
  route.stats.add(packet);
  if (route.nack) route.receiver.nack.addPacket(packet);
  route.track.onReceiveRtp.execute(packet, extensions);
  route.receiver.runRtcp();
  return true;
}

/**
 * Takes `pc`'s media RTP below werift from now on (see the module notes): call it once the
 * connection is up, after decryptNatively (streams whose SRTP context has no native opener stay
 * with werift) and after leanEvents (whose change of the ICE agent's event this wraps). `sink`
 * gets each packet's transport-wide sequence number, as the router's tap does for werift's packets.
 */
export function receiveNatively(pc: RTCPeerConnection, sink: TwccSink): void {
  const router = (pc as unknown as { router?: RouterInternals }).router;
  if (!router || typeof router.ssrcTable !== 'object' || typeof router.extIdUriMap !== 'object') return;
  for (const t of pc.dtlsTransports as unknown as TransportInternals[]) {
    const data = t.iceTransport?.connection?.onData;
    if (!data || typeof data.execute !== 'function' || receiving.has(data)) continue;
    const r: Receiving = { routes: new Map(), router, sink };
    receiving.set(data, r);
    const execute = data.execute.bind(data);
    data.execute = (buf: Buffer) => {
      if (!take(r, t, buf)) execute(buf);
    };
  }
}

/**
 * Forgets every stream route of `pc` (after a negotiation: receivers, codecs and extension ids
 * may have changed); werift routes each stream's next packet and the route is made again.
 */
export function forgetRoutes(pc: RTCPeerConnection): void {
  for (const t of pc.dtlsTransports as unknown as TransportInternals[]) {
    const data = t.iceTransport?.connection?.onData;
    if (data) receiving.get(data)?.routes.clear();
  }
}
