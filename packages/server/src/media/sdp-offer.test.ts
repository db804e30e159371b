// Offer normalisation and answer checks, on offers captured from Firefox ESR and Chromium
// (test/tools/capture-offer-sdp.ts) and answered by a real werift connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RTCPeerConnection } from 'werift';
import type { TrackSource } from '@rtcroom/protocol';
import { createLogger } from '../log.ts';
import { publisherConfig, type MediaNetwork } from './codecs.ts';
import { PublisherPeer } from './publisher-peer.ts';
import { normaliseOffer, rejectedSources, simulcastRids, splitSdp } from './sdp-offer.ts';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const FIREFOX = fixture('firefox-offer.sdp');
const CHROMIUM = fixture('chromium-offer.sdp');
const NET: MediaNetwork = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined };
const SOURCES: Record<string, TrackSource> = { '0': 'audio', '1': 'video', '2': 'screen' };

/** werift's answer to `offer`, as the publisher leg configures it. */
async function weriftAnswer(offer: string): Promise<string> {
  const pc = new RTCPeerConnection(publisherConfig(NET));
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription?.sdp ?? '';
  } finally {
    await pc.close();
  }
}

/** `uri → id` of the extmap lines of the m-section with `mid`. */
function extmaps(sdp: string, mid: string): Map<string, string> {
  const m = splitSdp(sdp).media.find((lines) => lines.includes(`a=mid:${mid}`)) ?? [];
  return new Map(m.filter((l) => l.startsWith('a=extmap:')).map((l) => [l.split(' ')[1]!, l.slice('a=extmap:'.length).split(/[ /]/)[0]!]));
}

test('the captured Firefox offer has bundle-only m-sections with port 0 (what werift rejected)', async () => {
  const media = splitSdp(FIREFOX).media;
  assert.deepEqual(
    media.map((m) => [m[0]!.split(' ').slice(0, 2).join(' '), m.includes('a=bundle-only')]),
    [
      [media[0]![0]!.split(' ').slice(0, 2).join(' '), false],
      ['m=video 0', true],
      ['m=video 0', true],
    ],
  );
  const raw = await weriftAnswer(FIREFOX);
  assert.deepEqual(
    rejectedSources(raw, SOURCES).map((r) => `${r.source}: ${r.reason}`),
    ['video: port 0', 'screen: port 0'],
  );
});

test('Firefox: bundle-only m-sections get the bundle transport and werift receives every source', async () => {
  const n = normaliseOffer(FIREFOX);
  assert.deepEqual(n.bundleOnly, ['1', '2']);
  const media = splitSdp(n.sdp).media;
  const tagPort = media[0]![0]!.split(' ')[1];
  for (const m of media) {
    assert.equal(m[0]!.split(' ')[1], tagPort);
    assert.ok(!m.includes('a=bundle-only'));
    assert.ok(m.includes('a=rtcp-mux'));
    assert.ok(m.some((l) => l.startsWith('a=ice-ufrag:')));
  }
  const answer = await weriftAnswer(n.sdp);
  assert.deepEqual(rejectedSources(answer, SOURCES), []);
  const s = splitSdp(answer);
  assert.ok(s.session.includes('a=group:BUNDLE 0 1 2'), s.session.join('\n'));
  for (const m of s.media) assert.ok(m.includes('a=recvonly'), m.join('\n'));
  // Firefox's extmap ids are echoed (the audio level the speaker detector reads, TWCC)
  for (const mid of ['0', '1', '2']) {
    const offered = extmaps(FIREFOX, mid);
    for (const [uri, id] of extmaps(answer, mid)) assert.equal(id, offered.get(uri), `${uri} on mid ${mid}`);
  }
  assert.equal(extmaps(answer, '0').get('urn:ietf:params:rtp-hdrext:ssrc-audio-level'), '1');
  assert.equal(extmaps(answer, '1').get('http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'), '7');
  // VP8 with its RTX on Firefox's payload types, feedback kept
  const video = s.media[1]!;
  assert.match(video[0]!, / 120 124$/);
  assert.ok(video.includes('a=fmtp:124 apt=120'));
  for (const fb of ['nack', 'nack pli', 'ccm fir', 'transport-cc']) assert.ok(video.includes(`a=rtcp-fb:120 ${fb}`), fb);
});

test('Chromium: the offer is left as it is and werift receives every source', async () => {
  const n = normaliseOffer(CHROMIUM);
  assert.equal(n.sdp, CHROMIUM);
  assert.deepEqual(n.bundleOnly, []);
  assert.deepEqual(rejectedSources(await weriftAnswer(CHROMIUM), SOURCES), []);
});

test('port 0 outside a BUNDLE group, or without bundle-only, stays rejected', () => {
  const notBundled = FIREFOX.replace('a=group:BUNDLE 0 1 2', 'a=group:BUNDLE 0 1');
  assert.deepEqual(normaliseOffer(notBundled).bundleOnly, ['1']);
  const noTag = FIREFOX.replace(/^m=audio \d+ /m, 'm=audio 0 ');
  assert.deepEqual(normaliseOffer(noTag).bundleOnly, []);
  const rejected = FIREFOX.replace(/a=bundle-only\r\n/g, '');
  assert.deepEqual(normaliseOffer(rejected), { sdp: rejected, bundleOnly: [] });
});

test('rejectedSources: missing, port 0, inactive and sendonly m-sections', () => {
  const answer = ['v=0', 'm=audio 9 X 111', 'a=mid:a', 'a=recvonly', 'm=video 0 X 96', 'a=mid:b', 'a=recvonly', 'm=video 9 X 96', 'a=mid:c', 'a=inactive', 'm=video 9 X 96', 'a=mid:d', 'a=sendonly', 'm=video 9 X 96', 'a=mid:e'].join('\r\n');
  assert.deepEqual(rejectedSources(answer, { a: 'audio', b: 'video', c: 'screen', d: 'screenAudio', e: 'video', f: 'video' }), [
    { mid: 'b', source: 'video', reason: 'port 0' },
    { mid: 'c', source: 'screen', reason: 'inactive' },
    { mid: 'd', source: 'screenAudio', reason: 'sendonly' },
    { mid: 'f', source: 'video', reason: 'missing' },
  ]);
});

test('PublisherPeer: answers Firefox, and fails loudly naming the source when a declared one is rejected', async () => {
  const log = createLogger('silent');
  const peer = new PublisherPeer(NET, { onTrack: () => undefined, onFailed: () => undefined }, log);
  try {
    const answer = await peer.negotiate(FIREFOX, SOURCES);
    assert.deepEqual(rejectedSources(answer, SOURCES), []);
    const candidates = answer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    assert.ok(candidates.length > 0 && candidates.every((l) => l.split(' ')[4] === '127.0.0.1'), candidates.join('\n'));
  } finally {
    peer.close();
  }
  // a client offering no codec we take (H.264 only): video and screen cannot be received
  const h264 = CHROMIUM.replace(/VP8\/90000/g, 'H264/90000');
  const other = new PublisherPeer(NET, { onTrack: () => undefined, onFailed: () => undefined }, log);
  try {
    await assert.rejects(other.negotiate(h264, SOURCES), /answer does not receive video \(mid 1: port 0\), screen \(mid 2: port 0\)/);
  } finally {
    other.close();
  }
});

test("PublisherPeer: its answers ask Chromium's and Firefox's Opus encoders for DTX, unless it is off", async () => {
  const log = createLogger('silent');
  const opusFmtp = (sdp: string): string[] => {
    const pts = [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((m) => m[1]);
    return sdp.split('\r\n').filter((l) => pts.some((pt) => l.startsWith(`a=fmtp:${pt} `)));
  };
  for (const [offer, dtx] of [
    [CHROMIUM, true],
    [FIREFOX, true],
    [CHROMIUM, false],
  ] as const) {
    const peer = new PublisherPeer(dtx ? NET : { ...NET, opusDtx: false }, { onTrack: () => undefined, onFailed: () => undefined }, log);
    try {
      const fmtp = opusFmtp(await peer.negotiate(offer, SOURCES));
      assert.equal(fmtp.length, 1, fmtp.join('\n'));
      assert.equal(/usedtx=1/.test(fmtp[0]!), dtx, fmtp[0]);
      assert.match(fmtp[0]!, /useinbandfec=1/, 'the offer\'s own parameters stay');
    } finally {
      peer.close();
    }
  }
});

test('simulcastRids reads the send layers by mid, in the offer\'s order', () => {
  const sdp = [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=rid:q send', 'a=rid:h send', 'a=rid:f send', 'a=simulcast:send ~q;h;f',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:2', 'a=rid:a send', 'a=rid:b send',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:3', 'a=rid:x send',
  ].join('\r\n');
  const rids = simulcastRids(sdp);
  assert.deepEqual([...rids.entries()], [['1', ['q', 'h', 'f']], ['2', ['a', 'b']]]);
});
