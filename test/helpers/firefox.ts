// Launches Debian's Firefox ESR through puppeteer-core over WebDriver BiDi with fake media devices.
import { networkInterfaces } from 'node:os';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { AppRegistry, defaultConfig, type ServerConfig } from '@rtcroom/server';
import { EVENTS } from './sdk-page.ts';

/**
 * Firefox preferences for tests: fake camera and microphone without prompts, loopback ICE
 * candidates, and nothing that talks to the network beyond 127.0.0.1 (puppeteer's own profile
 * defaults already turn off updates, safe browsing, normandy, remote settings and health reports).
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  // ICE: the server announces 127.0.0.1 only. Firefox ESR 153 still gathers on the machine's own
  // addresses (not on lo), so its checks go from those to 127.0.0.1: the packets never leave the machine
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.no_host': false,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'media.peerconnection.use_document_iceservers': false,
  'media.peerconnection.default_iceservers': '[]',
  // no background traffic
  'app.update.auto': false,
  'app.update.enabled': false,
  'app.update.service.enabled': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.aboutHomeSnippets.updateUrl': '',
  'browser.discovery.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.update.enabled': false,
  'browser.search.geoip.url': '',
  'captivedetect.canonicalURL': '',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.trr.mode': 5,
  'dom.push.enabled': false,
  'dom.push.serverURL': '',
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'services.sync.enabled': false,
  'identity.fxaccounts.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.coverage.endpoint.base': '',
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'media.gmp-manager.url': '',
  'media.gmp-gmpopenh264.autoupdate': false,
  'media.gmp-gmpopenh264.enabled': false,
};

/** The machine's first IPv4 address that is not loopback, if it has one (Firefox gathers on no other). */
export function machineAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/**
 * Server config (to spread into `startTestServer`'s overrides) that Firefox can reach. Firefox ESR
 * 153 gathers only on the machine's non-loopback addresses and never pairs them with a loopback
 * candidate (its stats list no pair at all), so a server on 127.0.0.1 is unreachable where the machine has
 * such an address: the server Firefox calls takes its media on that address of this machine
 * (packets between two addresses of one machine never leave it; Chromium gathers on it too).
 */
export function firefoxReachable(): Pick<ServerConfig, 'media'> {
  const media = defaultConfig(new AppRegistry([])).media;
  return { media: { ...media, iceAddress: machineAddress() ?? '127.0.0.1' } };
}

/** A launched Firefox and its cleanup. */
export interface TestFirefox {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Firefox ESR (`FIREFOX_PATH`, default /usr/bin/firefox-esr) with a fresh profile. */
export async function launchFirefox(): Promise<TestFirefox> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
    protocolTimeout: 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

/**
 * Opens `${url}/blank.html` in a new browser context, loads the ESM SDK and creates a context on
 * `window.ctx`; SDK events are recorded in `window.log` (as `openSdkPage` does for Chromium).
 */
export async function openFirefoxSdkPage(ff: TestFirefox, url: string, appId: string): Promise<Page> {
  const context = await ff.browser.createBrowserContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('firefox page error:', e));
  await page.goto(`${url}/blank.html`);
  await page.evaluate(
    async (appId: string, events: string[]) => {
      const src = '/sdk/rtcroom.js';
      const sdk = (await import(src)) as { createRtcRoomContext(o: { appId: string }): Record<string, (cb: (p: unknown) => void) => void> };
      const log: { ev: string; p: unknown; t: number }[] = [];
      const ctx = sdk.createRtcRoomContext({ appId });
      for (const ev of events) ctx[ev]!((p) => log.push({ ev, p, t: performance.now() }));
      Object.assign(window, { sdk, ctx, log });
    },
    appId,
    [...EVENTS],
  );
  return page;
}
