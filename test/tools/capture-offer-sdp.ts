// Captures the publisher offers Firefox and Chromium make (as the SDK configures them: max-bundle,
// sendonly audio, camera video and canvas screen) into packages/server/src/media/fixtures/, for the offer
// normaliser's unit tests. Run: node test/tools/capture-offer-sdp.ts
import { writeFileSync } from 'node:fs';
import { launchBrowser } from '../helpers/browser.ts';
import { launchFirefox } from '../helpers/firefox.ts';
import { PAGES_DIR } from '../helpers/fixture.ts';
import { startTestServer } from '../helpers/server.ts';

async function offerIn(): Promise<string> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const screen = (canvas as HTMLCanvasElement & { captureStream(fps: number): MediaStream }).captureStream(10).getVideoTracks()[0]!;
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
  const cam = new MediaStream();
  pc.addTransceiver(stream.getAudioTracks()[0]!, { direction: 'sendonly', streams: [cam] });
  pc.addTransceiver(stream.getVideoTracks()[0]!, { direction: 'sendonly', streams: [cam] });
  pc.addTransceiver(screen, { direction: 'sendonly', streams: [new MediaStream()] });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    setTimeout(resolve, 2000);
  });
  return pc.localDescription!.sdp;
}

const server = await startTestServer({ demoDir: PAGES_DIR });
const dir = new URL('../../packages/server/src/media/fixtures/', import.meta.url);
try {
  const ff = await launchFirefox();
  try {
    const page = await ff.browser.newPage();
    await page.goto(`${server.url}/blank.html`);
    writeFileSync(new URL('firefox-offer.sdp', dir), await page.evaluate(offerIn));
  } finally {
    await ff.close();
  }
  const cr = await launchBrowser();
  try {
    const page = await (await cr.browser.newContext({ permissions: ['camera', 'microphone'] })).newPage();
    await page.goto(`${server.url}/blank.html`);
    writeFileSync(new URL('chromium-offer.sdp', dir), await page.evaluate(offerIn));
  } finally {
    await cr.close();
  }
} finally {
  await server.close();
}
