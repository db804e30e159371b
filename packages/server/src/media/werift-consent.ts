/**
 * Consent checks (RFC 7675) on an established pair, both ways, below werift (0.25.2, pinned
 * exactly); part of the werift adapter, wired by `patientConsent` (werift-ice.ts).
 *
 * Once a pair carries media, the only STUN on it is consent: each side sends a Binding request
 * every few seconds and the other answers. werift handles each of these messages through its
 * generic STUN code, which serialises a message four times (twice for its integrity, once for
 * its fingerprint, once to send it), parses an answer twice, allocates a buffer per byte of an
 * XOR'd address, formats a debug line for every incoming check, and keeps every incoming
 * check's transaction id for the life of the pair. In a CPU profile of fanout N = 50
 * (`npm run bench -- profile --n 50`) that was ~7% of the server's busy time; with 1,000 idle
 * listeners about a fifth of it.
 *
 * Here, on a UDP protocol of an agent that is connected:
 *
 * - **A check from the nominated pair's remote address**, with the agent's current credentials
 *   (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT verified) and no role conflict or nomination in it,
 *   is answered, serialised once (stun-build.ts), and werift's pair counts it as werift would. Any
 *   other STUN request (connectivity checks, a role conflict, an ICE restart's new credentials,
 *   a controlled agent's nomination) goes to werift as before.
 * - **werift's own consent check** (its consent loop's single-shot request, recognised by the
 *   abort signal the loop passes) is serialised once, sent again after 0.5 and 1.5 s, and
 *   waited for up to {@link CONSENT_ANSWER_WAIT_MS} (the patience of `patientConsent`); its answer
 *   is verified (integrity with the peer's password, fingerprint) and settles the promise
 *   werift's loop awaits, which then refreshes consent as it does for its own transactions.
 * @module
 */
import { isIPv4 } from 'node:net';
import { mediaCounts } from './metrics.ts';
import type { RemoteAddress } from './transport/demux-table.ts';
import { ATTR, STUN } from '../turn/stun-message.ts';
import { findAttribute, isStun, transactionKey, username, verifyFingerprint, verifyIntegrity } from './transport/stun.ts';
import { bindingRequest, bindingSuccess } from './transport/stun-build.ts';

/**
 * How long an answer to a consent check is waited for (ms). werift sends the next check 4–6 s
 * after the last one started (and abandons the last then): an answer queued for up to 3.5 s
 * still counts.
 */
export const CONSENT_ANSWER_WAIT_MS = 3500;

/**
 * Over UDP, a consent check is sent this many more times within {@link CONSENT_ANSWER_WAIT_MS},
 * {@link CONSENT_FIRST_RESEND_MS} after the first and then at twice the last interval (werift's
 * STUN transaction doubles it): sends at 0, 0.5 and 1.5 s, the last wait ending at 3.5 s.
 */
export const CONSENT_RESENDS = 2;
/** The first interval of a UDP consent check's resends (ms); see {@link CONSENT_RESENDS}. */
export const CONSENT_FIRST_RESEND_MS = 500;


/** A candidate pair of werift's agent (ice/src/candidatePair.ts), the parts used here. */
interface PairInternals {
  protocol: unknown;
  readonly remoteAddr: [string, number];
  requestsReceived: number;
  responsesSent: number;
}

/** werift's ICE agent (ice/src/ice.ts `Connection`), the parts used here. */
export interface ConsentAgent {
  state: string;
  nominated?: PairInternals | undefined;
  localUsername: string;
  remoteUsername: string;
  localPassword: string;
  iceControlling: boolean;
}

/** A UDP STUN protocol of werift's agent (ice/src/stun/protocol.ts), the parts used here. */
export interface ConsentProtocol {
  transport?: { send(data: Buffer, addr: RemoteAddress): Promise<void> } | undefined;
}

/** The request werift's consent loop builds (a werift `Message`), the parts read here. */
interface RequestMessage {
  transactionId: Buffer;
  attributesKeys: string[];
  getAttributeValue(name: string): unknown;
}

/** A consent check in flight: settled by its verified answer, its deadline, or werift's abort. */
interface Pending {
  password: Buffer;
  settle(error: Error | undefined): void;
}

const pendingByAgent = new WeakMap<object, Map<string, Pending>>();

/** Whether `agent` carries media on a nominated pair of `protocol` whose remote end is `addr`. */
function onNominatedPair(agent: ConsentAgent, protocol: ConsentProtocol, addr: RemoteAddress): PairInternals | undefined {
  // the transport is made when the protocol binds (replaced by a view of the shared port in single-port mode)
  if (typeof protocol.transport?.send !== 'function') return undefined;
  const pair = agent.nominated;
  if (!pair || pair.protocol !== protocol || (agent.state !== 'connected' && agent.state !== 'completed')) return undefined;
  const [host, port] = pair.remoteAddr;
  return addr[0] === host && addr[1] === port ? pair : undefined;
}

/**
 * Handles STUN datagram `data` from `addr` on `protocol` if it is a consent message this module
 * takes (see the module notes); false leaves it to werift.
 */
export function takeConsentMessage(agent: ConsentAgent, protocol: ConsentProtocol, data: Buffer, addr: RemoteAddress): boolean {
  if (data.length < 20 || data[0]! > 1) return false;
  const type = data.readUInt16BE(0);
  if (type === STUN.bindingRequest) return answerCheck(agent, protocol, data, addr);
  if (type !== STUN.bindingSuccess && type !== STUN.bindingError) return false;
  const pending = pendingByAgent.get(agent);
  const check = pending?.size && isStun(data) ? pending.get(transactionKey(data)) : undefined;
  if (!check) return false;
  // an answer that does not verify is dropped, as werift drops it: it must not refresh consent
  if (!verifyFingerprint(data) || !verifyIntegrity(data, check.password)) return true;
  mediaCounts.consentAnswersReceived++;
  check.settle(type === STUN.bindingSuccess ? undefined : new Error('consent check answered with a STUN error'));
  return true;
}

function answerCheck(agent: ConsentAgent, protocol: ConsentProtocol, data: Buffer, addr: RemoteAddress): boolean {
  const pair = onNominatedPair(agent, protocol, addr);
  if (!pair || !isStun(data)) return false;
  if (username(data) !== `${agent.localUsername}:${agent.remoteUsername}`) return false;
  // a peer claiming our role (a conflict), or nominating a pair we answer as the controlled side: werift's
  if (findAttribute(data, agent.iceControlling ? ATTR.iceControlling : ATTR.iceControlled) >= 0) return false;
  if (!agent.iceControlling && findAttribute(data, ATTR.useCandidate) >= 0) return false;
  if (!verifyFingerprint(data) || !verifyIntegrity(data, agent.localPassword)) return false;
  const answer = bindingSuccess(data.subarray(8, 20), addr[0], addr[1], agent.localPassword);
  if (!answer) return false;
  protocol.transport!.send(answer, addr).catch(() => undefined);
  pair.requestsReceived++;
  pair.responsesSent++;
  mediaCounts.consentAnswered++;
  return true;
}

/** The options werift's consent loop passes to `request`, the parts used here. */
interface ConsentOptions {
  retransmissions?: number;
  signal?: AbortSignal;
  /** Called with the attempt (0 first) at each send; werift's loop counts the resends with it. */
  onRequestSent?: (attempt: number) => void;
}

/**
 * werift's consent check `request` to `addr`, sent and awaited here; undefined when it is not
 * one (another request, a pair that is not the nominated one, an address or message this does
 * not write): the caller passes it to werift. Resolves as werift's transaction does (its answer
 * is not parsed into a werift message: the consent loop does not read it); rejects on werift's
 * abort, a STUN error answer, or no verified answer within {@link CONSENT_ANSWER_WAIT_MS}.
 */
export function sendConsentCheck(
  agent: ConsentAgent,
  protocol: ConsentProtocol,
  request: unknown,
  addr: RemoteAddress,
  key: Buffer | undefined,
  options: unknown,
  onRequestSent?: (attempt: number) => void,
): Promise<unknown> | undefined {
  const o = options as ConsentOptions | undefined;
  if (!key || !o || o.retransmissions !== 0 || !(o.signal instanceof AbortSignal) || o.signal.aborted) return undefined;
  if (!isIPv4(addr[0]) || !onNominatedPair(agent, protocol, addr)) return undefined;
  const m = request as Partial<RequestMessage> | undefined;
  if (typeof m?.getAttributeValue !== 'function' || !Array.isArray(m.attributesKeys) || !Buffer.isBuffer(m.transactionId)) return undefined;
  const user = m.getAttributeValue('USERNAME');
  const priority = m.getAttributeValue('PRIORITY');
  const controlling = m.getAttributeValue('ICE-CONTROLLING');
  const controlled = m.getAttributeValue('ICE-CONTROLLED');
  const tieBreaker = controlling ?? controlled;
  if (typeof user !== 'string' || typeof priority !== 'number' || typeof tieBreaker !== 'bigint') return undefined;
  const bytes = bindingRequest(m.transactionId, { username: user, priority, role: controlling !== undefined ? 'controlling' : 'controlled', tieBreaker, useCandidate: m.attributesKeys.includes('USE-CANDIDATE') }, key);
  const id = m.transactionId.toString('hex');
  let pending = pendingByAgent.get(agent);
  if (!pending) pendingByAgent.set(agent, (pending = new Map()));
  if (pending.has(id)) return undefined;
  const checks = pending;
  const signal = o.signal;
  const sent = typeof o.onRequestSent === 'function' ? o.onRequestSent : onRequestSent;
  return new Promise((resolve, reject) => {
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    const send = (): void => {
      sent?.(attempt);
      mediaCounts.consentChecksSent++;
      protocol.transport?.send(bytes, addr).catch(() => undefined);
    };
    const onAbort = (): void => settle(new Error('consent check aborted'));
    const settle = (error: Error | undefined): void => {
      if (checks.get(id) !== entry) return;
      checks.delete(id);
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve([undefined, addr]);
    };
    const entry: Pending = { password: key, settle };
    // werift's transaction: wait after each send, doubling; the last wait ends the check
    const wait = (ms: number): void => {
      timer = setTimeout(() => {
        if (attempt >= CONSENT_RESENDS) return settle(new Error('consent check not answered'));
        attempt++;
        send();
        wait(ms * 2);
      }, ms);
      timer.unref();
    };
    checks.set(id, entry);
    signal.addEventListener('abort', onAbort, { once: true });
    send();
    wait(CONSENT_FIRST_RESEND_MS);
  });
}
