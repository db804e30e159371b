// Consent checks below werift (werift-consent.ts), between real werift connections on loopback:
// the side with `patientConsent` answers the other's checks and sends its own without werift's
// STUN code, and both sides' consent stays fresh; what is not consent (a check with other
// credentials, a forged answer) is left to werift or dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection } from 'werift';
import { patientConsent } from './werift-ice.ts';
import { sendConsentCheck, takeConsentMessage, type ConsentAgent, type ConsentProtocol } from './werift-consent.ts';
import { bindingRequest, bindingSuccess } from './transport/stun-build.ts';
import { connectPair } from './werift-pair.testing.ts';
import { mediaCounts } from './metrics.ts';

interface Pair {
  responsesReceived: number;
  requestsReceived: number;
  responsesSent: number;
  consentRequestsSent: number;
  protocol: ConsentProtocol;
  remoteAddr: [string, number];
}
type Agent = ConsentAgent & { nominated?: Pair; remotePassword: string; tieBreaker: bigint };
const agentOf = (pc: RTCPeerConnection): Agent =>
  (pc as unknown as { secureManager: { allDtlsTransports: { iceTransport: { connection: Agent } }[] } }).secureManager.allDtlsTransports[0]!.iceTransport.connection;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const leanSide of ['offerer (controlling)', 'answerer (controlled)'] as const) {
  test(`the ${leanSide} answers werift's consent checks and gets its own answered, below werift; both stay connected`, async () => {
    const offerer = new RTCPeerConnection({ iceUseIpv6: false });
    const answerer = new RTCPeerConnection({ iceUseIpv6: false });
    const lean = leanSide.startsWith('offerer') ? offerer : answerer;
    const plain = lean === offerer ? answerer : offerer;
    patientConsent(lean);
    try {
      await connectPair(offerer, answerer);
      const before = { ...mediaCounts };
      const leanPair = agentOf(lean).nominated!;
      const plainPair = agentOf(plain).nominated!;
      const got = [leanPair.responsesReceived, plainPair.responsesReceived];
      // each side sends a consent check 4–6 s after it connected
      await sleep(6500);
      assert.ok(plainPair.responsesReceived > got[1]!, "werift's consent check was answered");
      assert.ok(leanPair.responsesReceived > got[0]!, 'our consent check was answered, and werift counted it');
      assert.ok(leanPair.consentRequestsSent >= 1);
      const answered = mediaCounts.consentAnswered - before.consentAnswered;
      const sent = mediaCounts.consentChecksSent - before.consentChecksSent;
      const received = mediaCounts.consentAnswersReceived - before.consentAnswersReceived;
      // (werift nominates in a consent check only towards an ICE-lite peer: the controlled side answers too)
      assert.ok(answered >= 1, `answered ${answered} below werift`);
      assert.ok(sent >= 1 && received >= 1, `sent ${sent}, answers ${received}`);
      assert.equal(lean.connectionState, 'connected');
      assert.equal(plain.connectionState, 'connected');
    } finally {
      await Promise.all([offerer.close(), answerer.close()]);
    }
  });
}

test('a check with stale credentials goes to werift, a forged or unknown answer settles nothing, an abort or silence rejects', async () => {
  const near = new RTCPeerConnection({ iceUseIpv6: false });
  const far = new RTCPeerConnection({ iceUseIpv6: false });
  patientConsent(near);
  try {
    await connectPair(near, far);
    const agent = agentOf(near);
    const pair = agent.nominated!;
    const protocol = pair.protocol;
    const from = pair.remoteAddr;
    const sent: Buffer[] = [];
    const fake: ConsentProtocol = { transport: { send: async (b) => void sent.push(b) } };
    pair.protocol = fake;
    const check = (user: string, password: string) =>
      bindingRequest(randomBytes(12), { username: user, priority: 1, role: 'controlled', tieBreaker: 1n, useCandidate: false }, Buffer.from(password));
    const good = `${agent.localUsername}:${agent.remoteUsername}`;
    assert.equal(takeConsentMessage(agent, fake, check(good, agent.localPassword), from), true, 'a consent check is answered');
    assert.equal(sent.length, 1);
    assert.equal(takeConsentMessage(agent, fake, check(good, 'wrong-password'), from), false, 'integrity fails: werift decides');
    assert.equal(takeConsentMessage(agent, fake, check(`other:${agent.remoteUsername}`, agent.localPassword), from), false, 'other credentials (a restart): werift');
    assert.equal(takeConsentMessage(agent, fake, check(good, agent.localPassword), ['127.0.0.1', from[1] + 1]), false, 'another address: werift');
    const conflict = bindingRequest(randomBytes(12), { username: good, priority: 1, role: 'controlling', tieBreaker: 1n, useCandidate: false }, Buffer.from(agent.localPassword));
    assert.equal(takeConsentMessage(agent, fake, conflict, from), false, 'a role conflict: werift');
    assert.equal(sent.length, 1);

    // our own check: only the verified answer to its transaction settles it
    const txid = randomBytes(12);
    const request = { transactionId: txid, attributesKeys: ['USERNAME', 'PRIORITY', 'ICE-CONTROLLING'], getAttributeValue: (n: string) => ({ USERNAME: `${agent.remoteUsername}:${agent.localUsername}`, PRIORITY: 5, 'ICE-CONTROLLING': 7n })[n] };
    const key = Buffer.from(agent.remotePassword);
    const abort = new AbortController();
    const attempts: number[] = [];
    const done = sendConsentCheck(agent, fake, request, from, key, { retransmissions: 0, signal: abort.signal }, (a) => attempts.push(a));
    assert.ok(done, 'taken');
    assert.equal(sent.length, 2);
    assert.equal(sendConsentCheck(agent, fake, request, from, key, { retransmissions: 4 }), undefined, 'a connectivity check is werift’s');
    assert.equal(sendConsentCheck(agent, fake, {}, from, key, { retransmissions: 0, signal: abort.signal }), undefined, 'not a message this writes: werift’s');
    assert.equal(takeConsentMessage(agent, fake, bindingSuccess(randomBytes(12), from[0], from[1], key)!, from), false, 'an unknown transaction: werift');
    assert.equal(takeConsentMessage(agent, fake, bindingSuccess(txid, from[0], from[1], 'forged')!, from), true, 'a forged answer is dropped');
    let settled = false;
    void done.then(() => (settled = true));
    await sleep(10);
    assert.equal(settled, false);
    assert.equal(takeConsentMessage(agent, fake, bindingSuccess(txid, from[0], from[1], key)!, from), true);
    assert.deepEqual(await done, [undefined, from]);
    assert.deepEqual(attempts, [0]);

    const aborted = sendConsentCheck(agent, fake, { ...request, transactionId: randomBytes(12) }, from, key, { retransmissions: 0, signal: abort.signal })!;
    abort.abort();
    await assert.rejects(aborted, /aborted/);
    const silent = new AbortController();
    const started = performance.now();
    const unanswered = sendConsentCheck(agent, fake, { ...request, transactionId: randomBytes(12) }, from, key, { retransmissions: 0, signal: silent.signal }, (a) => attempts.push(a))!;
    await assert.rejects(unanswered, /not answered/);
    const waited = performance.now() - started;
    assert.ok(waited >= 3400 && waited < 4500, `waited ${waited} ms`);
    assert.deepEqual(attempts, [0, 0, 1, 2], 'sent at 0, 0.5 and 1.5 s');
    pair.protocol = protocol;
  } finally {
    await Promise.all([near.close(), far.close()]);
  }
});
