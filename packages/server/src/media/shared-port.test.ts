// The seam into werift (`useSharedPort` in werift-adapter.ts), without any remote peer (nothing is
// sent): candidates carry the shared port on every announced address, werift binds no socket of
// its own, ufrags are unique and follow ICE restarts, and closing leaves the table empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { classes, MediaStreamTrack, Message, methods, RTCPeerConnection } from 'werift';
import { ownCandidates, publisherConfig, subscriberConfig, type MediaNetwork } from './codecs.ts';
import { useSharedPort } from './werift-adapter.ts';
import { UdpMux } from './transport/udp-mux.ts';

/** Open sockets of this process. */
function socketCount(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** An offer from a subscriber-style connection on the shared port. */
async function offer(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await new Promise<void>((r) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r()));
  return pc.localDescription!.sdp;
}

const candidates = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).map((l) => ({ address: l.split(' ')[4], port: Number(l.split(' ')[5]) }));
const ufragOf = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)![1]!;

test('every host candidate carries the shared port, on the bound and the announced address; werift binds nothing', async () => {
  const udp = await UdpMux.bind({ port: 0, address: '127.0.0.1' });
  const net: MediaNetwork = { iceAddress: '127.0.0.1', announcedAddress: '203.0.113.7', portRange: undefined, singlePort: { port: udp.port, tcp: false }, shared: { udp, tcp: undefined } };
  const before = socketCount();
  const pcs = [new RTCPeerConnection(subscriberConfig(net)), new RTCPeerConnection(publisherConfig(net))];
  try {
    const sdps: string[] = [];
    for (const pc of pcs) {
      useSharedPort(pc, net.shared!);
      pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
      sdps.push(await offer(pc));
    }
    assert.equal(socketCount(), before, 'no socket besides the shared one');
    for (const sdp of sdps) {
      // werift lists the machine's other addresses too (ownCandidates drops them, as the peers do): all on the port
      for (const x of candidates(sdp)) assert.equal(x.port, udp.port);
      assert.deepEqual(new Set(candidates(ownCandidates(sdp, net)).map((x) => x.address)), new Set(['127.0.0.1', '203.0.113.7']));
      assert.match(ufragOf(sdp), /^[0-9a-f]{16}$/);
    }
    assert.notEqual(ufragOf(sdps[0]!), ufragOf(sdps[1]!));
    assert.equal(udp.stats().peers, 2);
    assert.equal(udp.stats().ufrags, 2);
  } finally {
    await Promise.all(pcs.map((pc) => pc.close()));
    await udp.close();
  }
  assert.deepEqual(udp.table.size, { peers: 0, ufrags: 0, addresses: 0, transactions: 0 });
});

test('an ICE restart gives a new unique ufrag, known to the table with its password; close empties the table', async () => {
  const udp = await UdpMux.bind({ port: 0, address: '127.0.0.1' });
  const net: MediaNetwork = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined, singlePort: { port: udp.port, tcp: false }, shared: { udp, tcp: undefined } };
  const pc = new RTCPeerConnection(subscriberConfig(net));
  useSharedPort(pc, net.shared!);
  pc.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
  const first = await offer(pc);
  await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
  const second = pc.localDescription!.sdp;
  assert.notEqual(ufragOf(second), ufragOf(first));
  assert.equal(candidates(second).every((c) => c.port === udp.port), true);
  // the table knows both generations, each with the password its SDP announced
  const pwdOf = (sdp: string) => /a=ice-pwd:(\S+)/.exec(sdp)![1]!;
  for (const sdp of [first, second]) {
    const check = new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufragOf(sdp)}:x`).addMessageIntegrity(Buffer.from(pwdOf(sdp))).addFingerprint().bytes;
    assert.ok(udp.table.authenticate(check), `generation ${ufragOf(sdp)} routes`);
  }
  assert.equal(udp.stats().ufrags, 2);
  await pc.close();
  assert.deepEqual(udp.table.size, { peers: 0, ufrags: 0, addresses: 0, transactions: 0 });
  await udp.close();
});
