/**
 * The receiving half of a send-only transceiver, which a subscriber's slots never use. werift
 * gives every transceiver a receiver, and every receiver its own remote `MediaStreamTrack`
 * (`defaultTrack`: an event emitter, three events, a broadcast source, a UUID; 4.4 KB of heap
 * each, measured on 10,000) that it hands out as `receiver.track` while no remote track
 * arrived. A 1,000-listener room of ten talkers has 10,000 such slots. {@link shareIdleTrack}
 * gives the receivers of send-only slots one idle track per kind instead, so theirs are
 * collected; a remote track, if one ever came, would still be `receiver.track` (werift prefers
 * `tracks[0]`), and stopping the transceiver stops the shared one, which nothing reads.
 * @module
 */
import { MediaStreamTrack, type RTCRtpTransceiver } from 'werift';

/** werift's receiver (0.25.2), the part read here. */
interface ReceiverInternals {
  defaultTrack?: unknown;
}

const idle = new Map<string, MediaStreamTrack>();

/** The one idle remote track of `kind` that send-only receivers share. */
function idleTrack(kind: RTCRtpTransceiver['kind']): MediaStreamTrack {
  let t = idle.get(kind);
  if (!t) {
    t = new MediaStreamTrack({ kind, remote: true });
    idle.set(kind, t);
  }
  return t;
}

/**
 * Gives `t`'s receiver the shared idle track of the transceiver's kind in place of its own. Call
 * it on a transceiver made send-only. Throws when werift's receiver is not what this expects
 * (another werift version).
 */
export function shareIdleTrack(t: RTCRtpTransceiver): void {
  const r = t.receiver as unknown as ReceiverInternals;
  if (!(r.defaultTrack instanceof MediaStreamTrack)) throw new Error('werift internals changed: RTCRtpReceiver.defaultTrack is not a MediaStreamTrack');
  r.defaultTrack = idleTrack(t.kind);
}
