/**
 * How werift's ICE agent (0.25.2, pinned exactly) gathers and starts, changed where it costs an
 * SFU time or sends packets nobody asked for; part of the werift adapter (werift-adapter.ts
 * re-exports it).
 *
 * - **No fallback STUN server** ({@link noFallbackStun}): with no STUN server configured, werift's
 *   agent queries Google's (`stun.l.google.com:19302`) for a server-reflexive candidate at every
 *   gathering: a DNS lookup per connection, a STUN request to a third party where DNS answers,
 *   and a gathering that waits for the answer (or up to its timeout behind a firewall). A media
 *   server announces its address itself (`announcedAddress`); it never needs that query.
 * - **Connected at the nomination** ({@link connectOnNomination}): werift's agent starts its
 *   checks from a loop that sleeps 20 ms between two (RFC 8445's pacing), and the same loop, as
 *   long as the remote side may still trickle candidates, polls until a pair is nominated; only
 *   after it wakes does the agent report connected and DTLS start. Our signaling carries whole
 *   descriptions, so every connection paid that wait: 18 ms on a join here (ICE nominated at
 *   +3 ms, connected at +21 ms). The checks are now paced by our own loop, with the same 20 ms
 *   and the same stop conditions, while werift's `connect()` goes straight to waiting for the
 *   check list's outcome: it reports connected as soon as a pair is nominated.
 * - **A description without candidates** (the SDK sends a connection's first description without
 *   waiting for its ICE gathering) gives werift nothing to pair at `connect()`: its loop would
 *   then poll every 20 ms for a pair that only the client's first check brings. `connect()` now
 *   starts once the agent has a remote candidate or that check ({@link firstRemoteSign}).
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type RTCPeerConnection } from 'werift';
import { eachDtlsTransport } from './werift-ice.ts';

/** werift's ICE agent (ice/src/ice.ts `Connection`), the parts changed here. */
interface StartInternals {
  options: { stunServer?: unknown };
  stunServer: unknown;
  applyStunTurnServersFromOptions?: () => void;
}

let noFallback = false;

/**
 * Makes every werift ICE agent of this process query a STUN server only when one is configured
 * (see the module notes). Idempotent; returns false when werift's internals are not what this
 * expects (another werift version), leaving werift as it is.
 */
export function noFallbackStun(): boolean {
  if (noFallback) return true;
  const proto = Connection.prototype as unknown as StartInternals;
  const derive = proto.applyStunTurnServersFromOptions;
  if (typeof derive !== 'function') return false;
  proto.applyStunTurnServersFromOptions = function (this: StartInternals): void {
    derive.call(this);
    if (this.options.stunServer === undefined) this.stunServer = undefined;
  };
  noFallback = true;
  return true;
}

/** werift's pacing of connectivity checks (RFC 8445 Ta), kept (ms). */
export const CHECK_PACE_MS = 20;

/** werift's ICE agent, the parts {@link connectOnNomination} uses. */
interface CheckInternals {
  state: string;
  checkList: unknown[];
  earlyChecks: unknown[];
  remoteCandidates: unknown[];
  checkListDone: boolean;
  connect(): Promise<void>;
  schedulingChecks(): boolean;
}

const prompt = new WeakSet<object>();

/**
 * Makes every ICE agent of `pc` report connected (and so start DTLS) as soon as a pair is
 * nominated, not at its next 20 ms poll (see the module notes): call it right after constructing
 * `pc`. Throws when werift's internals are not what this expects (another werift version).
 *
 * The seam: werift's `connect()` calls `schedulingChecks()` in its loop (start one check; true
 * while there is more to do) and, once that returns false, waits for the check list's outcome.
 * The first call of a `connect()` with pairs to check starts our pacing loop and returns false.
 * A `connect()` waits for something to pair first (see {@link firstRemoteSign}); when nothing
 * came within its wait, werift's own loop runs until a check from the remote side brings a pair.
 */
export function connectOnNomination(pc: RTCPeerConnection): void {
  eachDtlsTransport(pc, 'connect on nomination', (dtls) => {
    const conn = dtls.iceTransport.connection as unknown as CheckInternals;
    if (prompt.has(conn)) return;
    if (typeof conn.connect !== 'function' || typeof conn.schedulingChecks !== 'function' || !Array.isArray(conn.checkList)) {
      throw new Error('connect on nomination: werift ICE Connection internals changed');
    }
    prompt.add(conn);
    const connect = conn.connect.bind(conn);
    const schedule = conn.schedulingChecks.bind(conn);
    /** A `connect()` (the first, or after an ICE restart) whose checks werift still schedules. */
    let starting = false;
    conn.connect = async () => {
      await firstRemoteSign(conn);
      starting = true;
      return connect();
    };
    conn.schedulingChecks = () => {
      if (!starting || conn.checkList.length === 0) return schedule();
      starting = false;
      void paceChecks(conn, schedule);
      return false;
    };
  });
}

/** How often to look for the remote side's first check while a description came without candidates (ms). */
const FIRST_CHECK_POLL_MS = 1;
/** How long to look for it before leaving the wait to werift's own loop (ms). */
const FIRST_CHECK_WAIT_MS = 10_000;

/**
 * Resolves once the agent has a remote candidate or a check from the remote side (which werift
 * keeps until `connect()` and then turns into a peer-reflexive pair), or after
 * {@link FIRST_CHECK_WAIT_MS}, or when the agent closes. A description without candidates (a
 * client that answers before its gathering ends) is then checked without werift's 20 ms poll.
 */
async function firstRemoteSign(conn: CheckInternals): Promise<void> {
  for (let waited = 0; waited < FIRST_CHECK_WAIT_MS && conn.state !== 'closed'; waited += FIRST_CHECK_POLL_MS) {
    if (conn.remoteCandidates.length > 0 || conn.earlyChecks.length > 0) return;
    await sleep(FIRST_CHECK_POLL_MS);
  }
}

/** Starts the agent's checks one per {@link CHECK_PACE_MS} until werift has none left, a pair is nominated or the agent closed. */
async function paceChecks(conn: CheckInternals, schedule: () => boolean): Promise<void> {
  while (conn.state !== 'closed' && !conn.checkListDone && schedule()) await sleep(CHECK_PACE_MS);
}
