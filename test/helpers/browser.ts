// Launches Debian's Chromium through playwright-core with fake media devices.
import { chromium, type Browser } from 'playwright-core';

/** Chromium flags for this machine: no network chatter, fake camera and microphone. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // media tests run on loopback only
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** A launched browser and its cleanup. */
export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile (Playwright makes a new temporary user-data-dir); `extraArgs` are appended.
 * `fakeUi: false` leaves out the flag that accepts permission prompts, so ungranted permissions are refused.
 */
export async function launchBrowser(extraArgs: string[] = [], opts: { fakeUi?: boolean; executablePath?: string } = {}): Promise<TestBrowser> {
  const base = opts.fakeUi === false ? CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream') : CHROMIUM_ARGS;
  const browser = await chromium.launch({
    executablePath: opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // CHROMIUM_EXTRA: more flags when debugging, e.g. `--enable-logging=stderr --v=1` (WebRTC's logs; shown with DEBUG=pw:browser)
    args: [...base, ...extraArgs, ...(process.env.CHROMIUM_EXTRA ? process.env.CHROMIUM_EXTRA.split(' ') : [])],
    headless: true,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}
