// Consent checks on a link that queues (werift-ice.ts `patientConsent`): two pairs of real werift
// connections on loopback whose far ends answer every STUN check 1.2 s late, as a capped link
// with a deep queue does. The near end with the change counts the late answers as consent; the
// one without discards them (werift's own wait is about 0.5 s), which after 30 s fails a
// connection that carries media.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import type { Socket } from 'node:dgram';
import { CONSENT_ANSWER_WAIT_MS, CONSENT_FIRST_RESEND_MS, CONSENT_RESENDS, patientConsent, patientOptions, stampArrivals } from './werift-ice.ts';
import { ArrivalClock } from './transport/arrival-clock.ts';
import { mediaCounts } from './metrics.ts';
import { connectPair } from './werift-pair.testing.ts';

test('a single-shot STUN request waits at least the consent answer wait, resent within it over UDP; other requests are left alone', () => {
  assert.deepEqual(patientOptions({ retransmissions: 0, responseTimeout: 500, onRequestSent: 'f' }, true), { retransmissions: 0, responseTimeout: CONSENT_ANSWER_WAIT_MS, onRequestSent: 'f' });
  const udp = patientOptions({ retransmissions: 0, responseTimeout: 500, onRequestSent: 'f' }) as { retransmissions: number; responseTimeout: number; onRequestSent: string };
  assert.deepEqual(udp, { retransmissions: CONSENT_RESENDS, responseTimeout: CONSENT_FIRST_RESEND_MS, onRequestSent: 'f' });
  // werift's transaction waits its timeout after each send, doubling it: the last wait ends at the answer wait
  let waited = 0;
  for (let i = 0, t = udp.responseTimeout; i <= udp.retransmissions; i++, t *= 2) waited += t;
  assert.equal(waited, CONSENT_ANSWER_WAIT_MS);
  const longer = { retransmissions: 0, responseTimeout: 5000 };
  assert.equal(patientOptions(longer), longer);
  const checks = { retransmissions: 4 };
  assert.equal(patientOptions(checks), checks);
  assert.equal(patientOptions(undefined), undefined);
  assert.equal(patientOptions(3), 3);
});

/** The parts of werift's ICE agent this test reads. */
interface StunProtocol {
  sendStun(m: { messageClass: number }, addr: unknown): Promise<void>;
}
interface Agent {
  nominated?: { responsesReceived: number; retransmissionsSent: number; rtt?: number };
  protocols: StunProtocol[];
}
const agentOf = (pc: RTCPeerConnection): Agent =>
  (pc as unknown as { secureManager: { allDtlsTransports: { iceTransport: { connection: Agent } }[] } }).secureManager.allDtlsTransports[0]!.iceTransport.connection;

/** Makes `pc` answer every STUN request `ms` late (success responses, class 0x100). */
function answerLate(pc: RTCPeerConnection, ms: number): void {
  for (const protocol of agentOf(pc).protocols) {
    const send = protocol.sendStun.bind(protocol);
    protocol.sendStun = (m, addr) => (m.messageClass === 0x100 ? new Promise((r) => setTimeout(r, ms)).then(() => send(m, addr)) : send(m, addr));
  }
}

/** Makes `pc` drop its next `n` STUN answers, as a queue that overflows does. */
function dropAnswers(pc: RTCPeerConnection, n: number): void {
  let left = n;
  for (const protocol of agentOf(pc).protocols) {
    const send = protocol.sendStun.bind(protocol);
    protocol.sendStun = (m, addr) => (m.messageClass === 0x100 && left-- > 0 ? Promise.resolve() : send(m, addr));
  }
}

test('consent answers that come 1.2 s late, or only to the third send of a check, keep consent with the change; werift alone discards the late one', async () => {
  // IPv4, as the server's connections are (on IPv4 the checks are sent and answered below werift, werift-consent.ts)
  const v4 = () => new RTCPeerConnection({ iceUseIpv6: false });
  const patient = [v4(), v4()] as const;
  const plain = [v4(), v4()] as const;
  const lossy = [v4(), v4()] as const;
  patientConsent(patient[0]);
  patientConsent(lossy[0]);
  try {
    await Promise.all([connectPair(...patient), connectPair(...plain), connectPair(...lossy)]);
    answerLate(patient[1], 1200);
    answerLate(plain[1], 1200);
    dropAnswers(lossy[1], 2);
    const before = [patient, plain, lossy].map(([near]) => agentOf(near).nominated!.responsesReceived);
    // one consent check goes out 4–6 s after connecting; its answer comes 1.2 s later, or the
    // first two answers are lost and the third send's (1.5 s later) arrives
    await new Promise((r) => setTimeout(r, 7800));
    const patientPair = agentOf(patient[0]).nominated!;
    assert.ok(patientPair.responsesReceived > before[0]!, 'the late answer counted as consent');
    assert.ok(patientPair.rtt! >= 1.1, `its round trip was measured: ${patientPair.rtt} s`);
    assert.equal(agentOf(plain[0]).nominated!.responsesReceived, before[1], "werift's own wait discards it");
    const lossyPair = agentOf(lossy[0]).nominated!;
    assert.ok(lossyPair.retransmissionsSent >= 2, `the check was sent again: ${lossyPair.retransmissionsSent} resends`);
    assert.ok(lossyPair.responsesReceived > before[2]!, 'the answer to a resend counted as consent');
    assert.ok(mediaCounts.consentChecksSent >= 5, `the checks were ours: ${mediaCounts.consentChecksSent} sent`);
    assert.equal(patient[0].connectionState, 'connected');
    assert.equal(lossy[0].connectionState, 'connected');
  } finally {
    await Promise.all([...patient, ...plain, ...lossy].map((pc) => pc.close()));
  }
});

test('every UDP datagram an agent reads is handled between enter and leave of the arrival clock, with its socket', async () => {
  const near = new RTCPeerConnection();
  const far = new RTCPeerConnection();
  const events: string[] = [];
  const sockets = new Set<unknown>();
  const clock = new (class extends ArrivalClock {
    override enter(socket: Socket | undefined): void {
      events.push('enter');
      sockets.add(socket);
      super.enter(socket);
    }
    override leave(): void {
      events.push('leave');
      super.leave();
    }
  })();
  stampArrivals(near, clock);
  try {
    await connectPair(near, far);
    assert.ok(events.length >= 10, `${events.length} events`); // STUN checks, DTLS
    for (let i = 0; i < events.length; i++) assert.equal(events[i], i % 2 ? 'leave' : 'enter');
    assert.ok(sockets.size >= 1);
    for (const s of sockets) assert.ok(s && typeof (s as Socket).address === 'function' && (s as Socket).address().port > 0, 'a bound dgram socket');
  } finally {
    await Promise.all([near.close(), far.close()]);
  }
});
