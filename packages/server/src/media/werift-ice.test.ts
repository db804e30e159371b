// Consent checks on a link that queues (werift-ice.ts `patientConsent`): two pairs of real werift
// connections on loopback whose far ends answer every STUN check 1.2 s late, as a capped link
// with a deep queue does. The near end with the change counts the late answers as consent; the
// one without discards them (werift's own wait is about 0.5 s), which after 30 s fails a
// connection that carries media.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import type { Socket } from 'node:dgram';
import { CONSENT_ANSWER_WAIT_MS, patientConsent, patientOptions, stampArrivals } from './werift-ice.ts';
import { ArrivalClock } from './transport/arrival-clock.ts';

test('a single-shot STUN request waits at least the consent answer wait; other requests are left alone', () => {
  assert.deepEqual(patientOptions({ retransmissions: 0, responseTimeout: 500, onRequestSent: 'f' }), { retransmissions: 0, responseTimeout: CONSENT_ANSWER_WAIT_MS, onRequestSent: 'f' });
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
  nominated?: { responsesReceived: number; rtt?: number };
  protocols: StunProtocol[];
}
const agentOf = (pc: RTCPeerConnection): Agent =>
  (pc as unknown as { secureManager: { allDtlsTransports: { iceTransport: { connection: Agent } }[] } }).secureManager.allDtlsTransports[0]!.iceTransport.connection;

/** Connects `near` to `far` on loopback (a data channel opens). */
async function connect(near: RTCPeerConnection, far: RTCPeerConnection): Promise<void> {
  const open = new Promise<void>((resolve) => near.createDataChannel('x').stateChanged.subscribe((s) => s === 'open' && resolve()));
  await near.setLocalDescription(await near.createOffer());
  await far.setRemoteDescription(near.localDescription!);
  await far.setLocalDescription(await far.createAnswer());
  await near.setRemoteDescription(far.localDescription!);
  await open;
}

/** Makes `pc` answer every STUN request `ms` late (success responses, class 0x100). */
function answerLate(pc: RTCPeerConnection, ms: number): void {
  for (const protocol of agentOf(pc).protocols) {
    const send = protocol.sendStun.bind(protocol);
    protocol.sendStun = (m, addr) => (m.messageClass === 0x100 ? new Promise((r) => setTimeout(r, ms)).then(() => send(m, addr)) : send(m, addr));
  }
}

test('consent answers that come 1.2 s late keep consent with the change and are discarded without it', async () => {
  const patient = [new RTCPeerConnection(), new RTCPeerConnection()] as const;
  const plain = [new RTCPeerConnection(), new RTCPeerConnection()] as const;
  patientConsent(patient[0]);
  try {
    await Promise.all([connect(...patient), connect(...plain)]);
    answerLate(patient[1], 1200);
    answerLate(plain[1], 1200);
    const before = [agentOf(patient[0]).nominated!.responsesReceived, agentOf(plain[0]).nominated!.responsesReceived];
    // one consent check goes out 4–6 s after connecting; its answer comes 1.2 s later
    await new Promise((r) => setTimeout(r, 7500));
    const patientPair = agentOf(patient[0]).nominated!;
    assert.ok(patientPair.responsesReceived > before[0]!, 'the late answer counted as consent');
    assert.ok(patientPair.rtt! >= 1.1, `its round trip was measured: ${patientPair.rtt} s`);
    assert.equal(agentOf(plain[0]).nominated!.responsesReceived, before[1], "werift's own wait discards it");
    assert.equal(patient[0].connectionState, 'connected');
  } finally {
    await Promise.all([...patient, ...plain].map((pc) => pc.close()));
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
    await connect(near, far);
    assert.ok(events.length >= 10, `${events.length} events`); // STUN checks, DTLS
    for (let i = 0; i < events.length; i++) assert.equal(events[i], i % 2 ? 'leave' : 'enter');
    assert.ok(sockets.size >= 1);
    for (const s of sockets) assert.ok(s && typeof (s as Socket).address === 'function' && (s as Socket).address().port > 0, 'a bound dgram socket');
  } finally {
    await Promise.all([near.close(), far.close()]);
  }
});
