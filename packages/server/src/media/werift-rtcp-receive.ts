/**
 * A subscriber connection's RTCP taken below werift (0.25.2, pinned exactly), on the native path;
 * part of the werift adapter (werift-adapter.ts re-exports it).
 *
 * What a subscriber sends back is RTCP only: receiver reports about every stream it receives
 * (each second or so per stream), transport-wide feedback (every 50–100 ms from a browser), NACKs
 * and keyframe requests. werift parses every compound packet into objects through its generic
 * readers (arrays per field), routes each by SSRC and lets the sender turn receiver reports into
 * statistics nobody here reads: at fanout N = 200 that was a fifth of all the server allocated
 * (`npm run bench -- profile --n 200`: ~17 MB in 15 s). {@link receiveRtcpNatively} takes the
 * connection's SRTCP datagrams as they leave the ICE agent, opens them with the transport's own
 * SRTCP session (the native module's context once `rtcpNatively` ran), and reads in place what
 * the server acts on ({@link deliverRtcp}): NACKs, PLI and FIR, transport-wide feedback, and that
 * the subscriber lives. Receiver reports, SDES, BYE, REMB and extended reports are read past, as
 * werift's sender statistics (its round-trip time, the remote loss) have no reader.
 * @module
 */
import type { RTCPeerConnection } from 'werift';
import { decodeTwccFeedback, FMT_TWCC, RTPFB, type TwccFeedback } from './interceptors/twcc-feedback.ts';

/** What a subscriber connection's RTCP tells the server. */
export interface SubscriberRtcpSink {
  /** An RTCP datagram that authenticated came: the connection lives. */
  heard(): void;
  /** The subscriber lost these packets of the stream it receives on `ssrc`. */
  nack(ssrc: number, lost: readonly number[]): void;
  /** The subscriber asks for a keyframe of the stream it receives on `ssrc` (PLI or FIR). */
  keyframe(ssrc: number): void;
  /** Transport-wide congestion-control feedback. */
  twcc(feedback: TwccFeedback): void;
}

/** Payload-specific feedback (PSFB) and the formats read here (RFC 4585, RFC 5104). */
const PSFB = 206;
const FMT_NACK = 1;
const FMT_PLI = 1;
const FMT_FIR = 4;

/** The packets a generic NACK's FCI (`fci`: its bytes after the media SSRC) says were lost (RFC 4585 §6.2.1). */
export function nackedSequenceNumbers(fci: Buffer): number[] {
  const lost: number[] = [];
  for (let at = 0; at + 4 <= fci.length; at += 4) {
    const pid = fci.readUInt16BE(at);
    const blp = fci.readUInt16BE(at + 2);
    lost.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
  }
  return lost;
}

/**
 * Reads the decrypted compound RTCP packet `rtcp` into `sink` (not {@link SubscriberRtcpSink.heard}).
 * Its framing is checked first (version 2, lengths inside the datagram): a datagram that does not
 * frame delivers nothing and returns false. A feedback packet too short for what it says is read
 * past, as werift reads past a packet it cannot parse.
 */
export function deliverRtcp(rtcp: Buffer, sink: SubscriberRtcpSink): boolean {
  for (let at = 0; at < rtcp.length; ) {
    if (at + 4 > rtcp.length || rtcp[at]! >> 6 !== 2) return false;
    at += (rtcp.readUInt16BE(at + 2) + 1) * 4;
    if (at > rtcp.length) return false;
  }
  for (let at = 0; at < rtcp.length; ) {
    const b0 = rtcp[at]!;
    const pt = rtcp[at + 1]!;
    const len = (rtcp.readUInt16BE(at + 2) + 1) * 4;
    const fmt = b0 & 0x1f;
    // padding (its count in the last byte) is not part of the FCI
    const end = at + len - (b0 & 0x20 ? Math.min(rtcp[at + len - 1]!, len) : 0);
    if ((pt === RTPFB || pt === PSFB) && end - at >= 12) {
      const mediaSsrc = rtcp.readUInt32BE(at + 8);
      const fci = rtcp.subarray(at + 12, end);
      if (pt === RTPFB && fmt === FMT_NACK) sink.nack(mediaSsrc, nackedSequenceNumbers(fci));
      else if (pt === RTPFB && fmt === FMT_TWCC) {
        let fb: TwccFeedback | undefined;
        try {
          fb = decodeTwccFeedback(rtcp.subarray(at, at + len));
        } catch {
          // a malformed feedback: nothing to learn from it
        }
        if (fb) sink.twcc(fb);
      } else if (pt === PSFB && fmt === FMT_PLI) sink.keyframe(mediaSsrc);
      // FIR (RFC 5104 §4.3.1): the streams asked for are in its entries, not in the header
      else if (pt === PSFB && fmt === FMT_FIR) for (let e = 0; e + 8 <= fci.length; e += 8) sink.keyframe(fci.readUInt32BE(e));
    }
    at += len;
  }
  return true;
}

/** werift's DTLS transport, the parts used here. */
interface TransportInternals {
  srtcp?: { decrypt(data: Buffer): Buffer };
  iceTransport?: { connection?: { onData?: { execute: (data: Buffer) => void } } };
}

const taken = new WeakSet<object>();

/** An RTCP datagram by its first two bytes (werift's own test: RTP/RTCP version, then the payload type range). */
const isRtcp = (d: Buffer): boolean => d.length >= 8 && d[0]! >> 6 === 2 && d[1]! >= 192 && d[1]! <= 208;

/**
 * Takes `pc`'s RTCP below werift from now on (see the module notes): call it on a subscriber
 * connection once it is connected, after `rtcpNatively` and `leanEvents` (whose change of the ICE
 * agent's event this wraps). A datagram that does not authenticate is dropped, as werift drops
 * it. RTP (there is none on a send-only connection) and everything else stay with werift.
 */
export function receiveRtcpNatively(pc: RTCPeerConnection, sink: SubscriberRtcpSink): void {
  for (const t of pc.dtlsTransports as unknown as TransportInternals[]) {
    const data = t.iceTransport?.connection?.onData;
    if (!data || typeof data.execute !== 'function' || taken.has(data) || typeof t.srtcp?.decrypt !== 'function') continue;
    taken.add(data);
    const execute = data.execute.bind(data);
    data.execute = (buf: Buffer) => {
      const srtcp = t.srtcp;
      if (!srtcp || !isRtcp(buf)) return execute(buf);
      let rtcp: Buffer;
      try {
        rtcp = srtcp.decrypt(buf);
      } catch {
        return; // not authentic (werift drops it too)
      }
      sink.heard();
      deliverRtcp(rtcp, sink);
    };
  }
}
