import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Publisher } from './publisher.ts';
import type { MediaHost } from '../signal-client.ts';

/** A browser sender whose `setParameters` refuses the first `refuse` calls. */
class FakeSender {
  readonly track: MediaStreamTrack;
  #params: RTCRtpSendParameters;
  refuse = 0;
  calls = 0;
  constructor(track: MediaStreamTrack, encodings: RTCRtpEncodingParameters[] | undefined) {
    this.track = track;
    this.#params = { encodings: (encodings ?? [{}]).map((e) => ({ active: true, ...e })) } as RTCRtpSendParameters;
  }
  getParameters(): RTCRtpSendParameters {
    return structuredClone(this.#params);
  }
  async setParameters(p: RTCRtpSendParameters): Promise<void> {
    this.calls++;
    if (this.refuse > 0) {
      this.refuse--;
      throw new DOMException('not now', 'InvalidStateError');
    }
    this.#params = structuredClone(p);
  }
  get active(): boolean[] {
    return this.#params.encodings.map((e) => e.active !== false);
  }
}

const senders: FakeSender[] = [];
const g = globalThis as Record<string, unknown>;
const saved = { RTCPeerConnection: g.RTCPeerConnection, MediaStream: g.MediaStream };
g.MediaStream = class {};
g.RTCPeerConnection = class {
  localDescription: RTCSessionDescriptionInit | null = null;
  addTransceiver(track: MediaStreamTrack, init: RTCRtpTransceiverInit) {
    const sender = new FakeSender(track, init.sendEncodings);
    senders.push(sender);
    return { sender, mid: String(senders.length - 1) };
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0' };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.localDescription = d;
  }
  async setRemoteDescription() {}
  close() {}
};
after(() => Object.assign(g, saved));

const host: MediaHost = {
  request: (async (type: string) => (type === 'publisherOffer' ? { sdp: 'v=0' } : {})) as unknown as MediaHost['request'],
  rtcConfiguration: () => ({}),
  gatherCapMs: 0,
};
const camera = { kind: 'video', getSettings: () => ({ height: 720 }) } as unknown as MediaStreamTrack;
const until = async (what: string, check: () => boolean, ms = 3000) => {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('dynacast layers a sender refused are applied again later, and a newer list starts over', async () => {
  const pub = new Publisher(host, () => undefined);
  await pub.sync({ video: camera }, 'test');
  const s = senders.at(-1)!;
  assert.deepEqual(s.active, [true, true, true], 'three layers from a 720p camera');
  // the browser refuses twice: the layers nobody watches must still go off
  s.refuse = 2;
  await pub.setLayers('video', [true, false, false]);
  assert.deepEqual(s.active, [true, true, true], 'refused');
  await until('the list applied on a retry', () => s.active[2] === false);
  assert.deepEqual(s.active, [true, false, false]);
  assert.equal(s.calls, 3);
  assert.equal(pub.encodingsRefused, 2);
  // refused for good: the retries end
  s.refuse = 100;
  await pub.setLayers('video', [true, true, true]);
  await new Promise((r) => setTimeout(r, 4200));
  assert.equal(s.calls, 3 + 1 + 4, 'the change and four retries (250, 500, 1000, 2000 ms)');
  assert.deepEqual(s.active, [true, false, false]);
  // a newer change starts over, and applies
  s.refuse = 0;
  await pub.setLayers('video', [true, true, false]);
  assert.deepEqual(s.active, [true, true, false]);
  pub.close();
});

test('a closed publisher tries nothing again', async () => {
  const pub = new Publisher(host, () => undefined);
  await pub.sync({ video: camera }, 'test');
  const s = senders.at(-1)!;
  s.refuse = 1;
  await pub.setLayers('video', [true, false, false]);
  pub.close();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(s.calls, 1);
});
