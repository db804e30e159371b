/**
 * Process-wide counts of live media objects, for `/healthz` and leak checks.
 * @module
 */

/** Live media objects of this process. */
export const mediaCounts = {
  /** Open werift peer connections. */
  peers: 0,
  /** Producers not yet closed. */
  producers: 0,
  /** Consumers not yet closed. */
  consumers: 0,
  /** RTP packets forwarded to subscribers since start. */
  forwarded: 0,
  /** RTP packets received from publishers (while forwarding) since start. */
  received: 0,
  /** RTP payload bytes forwarded to subscribers since start. */
  forwardedBytes: 0,
  /** RTP payload bytes received from publishers (while forwarding) since start. */
  receivedBytes: 0,
  /** Packets missing from publishers' sequences (gaps, while forwarding; a late packet counts too). */
  lost: 0,
  /** Packets subscribers asked again for in NACKs. */
  nacks: 0,
  /** Packets retransmitted to subscribers after a NACK. */
  retransmitted: 0,
  /** Keyframe requests (PLI) received from subscribers. */
  plisReceived: 0,
  /** Keyframe requests (PLI) sent to publishers (after throttling). */
  plisSent: 0,
  /** Video consumers started on a keyframe the producer held while their connection came up. */
  heldStarts: 0,
  /** Step downs of subscribers' video to a lower simulcast layer (their bandwidth or their tile; the switch follows on that layer's keyframe). */
  layerStepsDown: 0,
  /** Step ups of subscribers' video to a higher simulcast layer. */
  layerStepsUp: 0,
  /** Subscribers whose video was paused because their bandwidth could not carry it (audio only). */
  bandwidthPauses: 0,
  /** Peers' ICE consent checks on a pair that carries media answered below werift (werift-consent.ts). */
  consentAnswered: 0,
  /** Our own consent checks sent below werift, resends included. */
  consentChecksSent: 0,
  /** Verified answers to our own consent checks. */
  consentAnswersReceived: 0,
};

/** A snapshot of {@link mediaCounts} (also what a media worker reports). */
export type MediaCounts = { -readonly [K in keyof typeof mediaCounts]: number };

/** The names of the counts. */
export const MEDIA_COUNT_KEYS = Object.keys(mediaCounts) as (keyof MediaCounts)[];

/** Sums counts (media workers' reports); none gives zeros. */
export function sumCounts(list: readonly MediaCounts[]): MediaCounts {
  const t = { ...mediaCounts };
  for (const k of MEDIA_COUNT_KEYS) t[k] = 0;
  for (const c of list) for (const k of MEDIA_COUNT_KEYS) t[k] += c[k];
  return t;
}
