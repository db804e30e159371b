/**
 * What rtcroom negotiates on each leg. Publisher leg (browser offers): Opus and VP8 with
 * transport-wide congestion control, NACK, PLI/FIR, and the audio-level extension the speaker
 * detector reads. Subscriber leg (server offers): Opus and VP8 with NACK+RTX and PLI;
 * packets go out through `FastRtpSender` with a plain 12-byte header (the SDP's SSRCs let the
 * browser demultiplex).
 * @module
 */
import {
  RTCRtpCodecParameters,
  useAudioLevelIndication,
  useFIR,
  useNACK,
  usePLI,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  useTWCC,
  type RTCPeerConnectionConfig,
} from 'werift';
import type { SharedPort } from './werift-adapter.ts';
import type { NativeAddon } from './native/addon.ts';

/** Where media sockets live. */
export interface MediaNetwork {
  /** IPv4 address to bind media sockets to and announce, e.g. 127.0.0.1 (default: every interface). */
  iceAddress: string | undefined;
  /** Extra address to announce (the public IP behind NAT). */
  announcedAddress: string | undefined;
  /** UDP port range for media sockets (one socket per connection and host address). */
  portRange: [number, number] | undefined;
  /**
   * Single-port mode: every connection's ICE shares one UDP socket on this port (and, with
   * `tcp`, one ICE-TCP listener on the same TCP port). Exclusive with `portRange`.
   */
  singlePort?: { port: number; tcp: boolean } | undefined;
  /** The shared sockets of single-port mode, bound by `startServer` (not configuration). */
  shared?: SharedPort | undefined;
  /** The native send path's module, loaded by `startServer` (not configuration); undefined: the JavaScript path. */
  native?: NativeAddon | undefined;
  /** Fault injection for tests: drop this percentage of packets sent on subscriber legs. */
  testSubscriberLossPercent?: number;
  /**
   * Opus DTX (discontinuous transmission): publishers are asked (`usedtx=1` in our answer) to send
   * one packet every 400 ms instead of 50 a second while their microphone hears silence. Default
   * on (undefined); false leaves Opus as the browser offers it (`--no-opus-dtx`).
   */
  opusDtx?: boolean | undefined;
}

function network(net: MediaNetwork): RTCPeerConnectionConfig {
  const config: RTCPeerConnectionConfig = { iceServers: [], iceUseIpv6: false, bundlePolicy: 'max-bundle' };
  const hosts: string[] = [];
  if (net.iceAddress && net.iceAddress !== '0.0.0.0') {
    // werift binds to this address but lists the machine's other addresses too (and never a
    // loopback one): add it, and `ownCandidates` drops the others from our SDP
    config.iceInterfaceAddresses = { udp4: net.iceAddress };
    hosts.push(net.iceAddress);
  }
  if (net.announcedAddress) hosts.push(net.announcedAddress);
  if (hosts.length) config.iceAdditionalHostAddresses = hosts;
  if (net.portRange && !net.singlePort) config.icePortRange = net.portRange;
  if (net.singlePort?.tcp) {
    // passive candidates on the shared TCP port; werift's active ones (it would dial out) never pair
    config.iceUseTcp = true;
    config.iceFilterCandidatePair = (pair) => !(pair.localCandidate.transport.toLowerCase() === 'tcp' && pair.localCandidate.tcptype === 'active');
  }
  return config;
}

/**
 * Keeps only the ICE candidates on addresses we really bind or announce (see `network`), and
 * no active TCP candidate (we only accept ICE-TCP). Without an ICE address, every address stays.
 */
export function ownCandidates(sdp: string, net: MediaNetwork): string {
  const byAddress = net.iceAddress && net.iceAddress !== '0.0.0.0';
  if (!byAddress && !net.singlePort?.tcp) return sdp;
  const keep = new Set([net.iceAddress, net.announcedAddress]);
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || ((!byAddress || keep.has(line.split(' ')[4])) && !line.includes(' tcptype active')))
    .join('\r\n');
}

/**
 * `sdp` with `usedtx=1` in the format parameters of every Opus payload type (RFC 7587 §6.1: the
 * receiver prefers the sender to use DTX), which is how an answer asks a browser's Opus encoder
 * for DTX. A payload type with no `a=fmtp` line gets one right after its `a=rtpmap`.
 */
export function withOpusDtx(sdp: string): string {
  const lines = sdp.split('\r\n');
  const opus = new Set<string>();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(l);
    if (m) opus.add(m[1]!);
  }
  if (!opus.size) return sdp;
  const withFmtp = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (m && opus.has(m[1]!)) {
      withFmtp.add(m[1]!);
      const params = m[2]!.split(';').filter((p) => !/^\s*usedtx=/i.test(p));
      out.push(`a=fmtp:${m[1]} ${[...params, 'usedtx=1'].join(';')}`);
    } else out.push(l);
  }
  return out
    .flatMap((l) => {
      const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(l);
      return m && !withFmtp.has(m[1]!) ? [l, `a=fmtp:${m[1]} usedtx=1`] : [l];
    })
    .join('\r\n');
}

/** Payload types the server uses when it offers. */
export const PT = { opus: 111, vp8: 96, vp8rtx: 97 } as const;

/** Config of a publisher connection (the browser offers, we answer). */
export function publisherConfig(net: MediaNetwork): RTCPeerConnectionConfig {
  return {
    ...network(net),
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, rtcpFeedback: [useTWCC()] })],
      video: [
        new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useTWCC(), useNACK(), usePLI(), useFIR()] }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000 }),
      ],
    },
    headerExtensions: {
      audio: [useSdesMid(), useAudioLevelIndication(), useTransportWideCC()],
      // RTP stream ids: which simulcast layer a packet belongs to (RFC 8852)
      video: [useSdesMid(), useTransportWideCC(), useSdesRTPStreamId(), useRepairedRtpStreamId()],
    },
  };
}

/** Config of a subscriber connection (we offer, the browser answers). */
export function subscriberConfig(net: MediaNetwork): RTCPeerConnectionConfig {
  const shared = [useSdesMid(), useTransportWideCC()];
  return {
    ...network(net),
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: PT.opus, parameters: 'minptime=10;useinbandfec=1', rtcpFeedback: [useTWCC()] })],
      video: [
        new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: PT.vp8, rtcpFeedback: [useTWCC(), useNACK(), usePLI()] }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: PT.vp8rtx, parameters: `apt=${PT.vp8}` }),
      ],
    },
    // transport-wide sequence numbers on every packet: the subscriber's feedback drives the
    // downlink estimate (`downlink-cc.ts`). One object per extension for both kinds: werift
    // numbers extensions per kind, and a bundle must use one id per extension (Chromium ignores
    // the transport-wide numbers of the m-line whose id lost: measured, audio showed as 100% lost)
    headerExtensions: { audio: shared, video: shared },
  };
}
