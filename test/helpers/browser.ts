// Launches Debian's Chromium through playwright-core with fake media devices.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';

/**
 * Chromium features off in every test browser, besides Playwright's. Each browser context opens a
 * window, and Chromium 156 loads that window's omnibox popups (`chrome://omnibox-popup.top-chrome/`,
 * two WebUI documents of some fifty modules) in a renderer of their own when it opens: in the
 * join benchmarks that renderer ran while the new page joined, on the core the page and the
 * publisher's encoder share (15–30 ms of a join's first frame, BENCHMARKS.md). A user's browser
 * window exists before the page in it joins a call.
 */
export const DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/**
 * The features Playwright disables (its one `--disable-features` switch, read from the installed
 * playwright-core). Chromium keeps only the last `--disable-features` of its command line, so a
 * switch of ours repeats them. Throws when the bundle no longer holds the list where it did.
 */
export function playwrightDisabledFeatures(): string[] {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('playwright-core/lib/coreBundle'), 'utf8');
  const list = /\bdisabledFeatures = \[([^\]]*)\]/.exec(bundle)?.[1];
  const names = list ? [...list.matchAll(/^\s*"([A-Za-z0-9]+)",?$/gm)].map((m) => m[1]!) : [];
  if (names.length === 0) throw new Error("playwright-core's disabled Chromium features not found in its bundle (Playwright changed?)");
  return names;
}

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
  `--disable-features=${[...playwrightDisabledFeatures(), ...DISABLED_FEATURES].join(',')}`,
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
