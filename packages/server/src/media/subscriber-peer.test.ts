// A client that answers late: the server's subscriber connection sends its offer again after each
// unanswered timeout, takes the answer to any send, and takes the same answer twice without error;
// after OFFER_SENDS unanswered sends it gives up, and an answer then is refused. Real werift on
// both sides (no network is used: nothing connects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import { OFFER_SENDS, SubscriberPeer } from './subscriber-peer.ts';
import type { Producer } from './producer.ts';
import { createLogger } from '../log.ts';

const NET = { iceAddress: '127.0.0.1', announcedAddress: undefined, portRange: undefined };
const TIMEOUT_MS = 150;

/** The parts of a producer a consumer reads when it is made. */
const audioProducer = (userId: string) => ({ kind: 'audio', userId, source: 'audio', consumers: new Set(), layers: [{}] }) as unknown as Producer;

/** A subscriber connection whose offers are recorded. */
function peer() {
  const offers: { offerId: number; sdp: string }[] = [];
  let arrived = (): void => {};
  const sub = new SubscriberPeer(
    NET,
    {
      sendOffer: (o) => {
        offers.push(o);
        arrived();
      },
      onFailed: () => {},
    },
    createLogger('silent'),
    TIMEOUT_MS,
  );
  const nextOffer = (count: number) =>
    new Promise<void>((resolve) => {
      arrived = () => offers.length >= count && resolve();
      arrived();
    });
  return { sub, offers, nextOffer };
}

/** What a client answers to `sdp`. */
async function answerTo(sdp: string): Promise<{ client: RTCPeerConnection; sdp: string }> {
  const client = new RTCPeerConnection();
  await client.setRemoteDescription({ type: 'offer', sdp });
  await client.setLocalDescription(await client.createAnswer());
  return { client, sdp: client.localDescription!.sdp };
}

test('an unanswered offer is sent again; the late answer is taken, and the same answer twice is no error', async () => {
  const { sub, offers, nextOffer } = peer();
  let client: RTCPeerConnection | undefined;
  try {
    sub.consume(audioProducer('talker'));
    await nextOffer(2);
    assert.equal(offers[1]!.offerId, offers[0]!.offerId, 'the same offer again');
    assert.equal(offers[1]!.sdp, offers[0]!.sdp);
    const a = await answerTo(offers[0]!.sdp);
    client = a.client;
    await sub.onAnswer(offers[0]!.offerId, a.sdp);
    // the client answered the resend as well
    await sub.onAnswer(offers[0]!.offerId, a.sdp);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
    assert.equal(offers.length, 2, 'no resend once answered');
  } finally {
    sub.close();
    await client?.close();
  }
});

test(`after ${OFFER_SENDS} unanswered sends the offer is given up, and its answer then refused`, async () => {
  const { sub, offers, nextOffer } = peer();
  try {
    sub.consume(audioProducer('talker'));
    await nextOffer(OFFER_SENDS);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
    assert.equal(offers.length, OFFER_SENDS);
    await assert.rejects(sub.onAnswer(offers[0]!.offerId, 'v=0'), /no pending offer/);
  } finally {
    sub.close();
  }
});
