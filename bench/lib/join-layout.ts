// Where the parts of a join benchmark (`first-frame`) run: the server process, the publisher's
// Chromium and the viewers' browser, on loopback, in network namespaces with a delayed viewer
// link, or with Firefox ESR as the viewers' browser. Every page loads the SDK from the server and
// creates its context when it loads (as mini-program code does in onLoad).
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../test/helpers/browser.ts';
import { launchFirefox, machineAddress, type TestFirefox } from '../../test/helpers/firefox.ts';
import { makeTopology, type Topology } from '../../test/helpers/netns.ts';
import { BENCH_APP, startServerProcess, type ServerProcess } from './server-process.ts';

/** A viewer page, whichever browser it is in. */
export interface ViewerPage {
  /** Runs `fn(arg)` in the page and returns its result. */
  evaluate<A, T>(fn: (arg: A) => Promise<T>, arg: A): Promise<T>;
  /** Closes the page's browser context. */
  close(): Promise<void>;
}

/** Where the benchmark's parts run. */
export interface JoinLayout {
  server: ServerProcess;
  /** How the parts are placed, for the report. */
  where: string;
  /** A publisher page in Chromium (camera and microphone allowed), `init` run before its scripts. */
  openPublisher(init: () => void): Promise<Page>;
  /** A fresh viewer page (a new browser context), `init` run before its scripts. */
  openViewer(init: () => void, preconnect: boolean): Promise<ViewerPage>;
  close(): Promise<void>;
}

/** Loads the SDK and creates `window.ctx` (as mini-program code does in onLoad). */
const CREATE_CONTEXT = async ({ appId, preconnect }: { appId: string; preconnect: boolean }): Promise<void> => {
  const src = '/sdk/rtcroom.js';
  const sdk = (await import(src)) as { createRtcRoomContext(o: { appId: string; preconnect: boolean }): unknown };
  Object.assign(window, { ctx: sdk.createRtcRoomContext({ appId, preconnect }) });
};

async function chromiumPage(browser: TestBrowser['browser'], url: string, init: () => void, preconnect: boolean): Promise<Page> {
  const ctx = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await ctx.newPage();
  await page.addInitScript(init);
  await page.goto(`${url}/`);
  await page.evaluate(CREATE_CONTEXT, { appId: BENCH_APP.appId, preconnect });
  return page;
}

function chromiumViewer(page: Page): ViewerPage {
  return {
    evaluate: <A, T>(fn: (arg: A) => Promise<T>, arg: A) => page.evaluate(fn as (arg: unknown) => Promise<T>, arg as unknown),
    close: () => page.context().close(),
  };
}

async function firefoxViewer(ff: TestFirefox, url: string, init: () => void, preconnect: boolean): Promise<ViewerPage> {
  const context = await ff.browser.createBrowserContext();
  const page = await context.newPage();
  await page.evaluateOnNewDocument(init);
  await page.goto(`${url}/`);
  await page.evaluate(CREATE_CONTEXT, { appId: BENCH_APP.appId, preconnect });
  return {
    evaluate: <A, T>(fn: (arg: A) => Promise<T>, arg: A) => page.evaluate(fn as (arg: unknown) => Promise<T>, arg as unknown) as Promise<T>,
    close: () => context.close(),
  };
}

/** Everything on loopback, the server pinned to core 0: one Chromium for the publisher and the viewers. */
export async function onLoopback(): Promise<JoinLayout> {
  const server = await startServerProcess();
  const tb = await launchBrowser();
  return {
    server,
    where: server.pinned,
    openPublisher: (init) => chromiumPage(tb.browser, server.url, init, true),
    openViewer: async (init, preconnect) => chromiumViewer(await chromiumPage(tb.browser, server.url, init, preconnect)),
    close: async () => {
      await tb.close();
      server.stop();
    },
  };
}

/**
 * As {@link onLoopback}, with Firefox ESR as the viewers' browser: the server takes media on this
 * machine's own address (Firefox pairs no loopback candidate; packets between two addresses of one
 * machine never leave it), the publisher stays in Chromium.
 */
export async function firefoxViewers(): Promise<JoinLayout> {
  const address = machineAddress();
  if (!address) throw new Error('--viewer firefox needs an IPv4 address besides loopback (Firefox ESR gathers no loopback candidate)');
  const server = await startServerProcess(['--rtc-ip', address]);
  let tb: TestBrowser | undefined;
  let ff: TestFirefox | undefined;
  try {
    tb = await launchBrowser();
    ff = await launchFirefox();
  } catch (e) {
    await tb?.close();
    server.stop();
    throw e;
  }
  const chromium = tb;
  const firefox = ff;
  return {
    server,
    where: `${server.pinned}; viewers in Firefox ESR`,
    openPublisher: (init) => chromiumPage(chromium.browser, server.url, init, true),
    openViewer: (init, preconnect) => firefoxViewer(firefox, server.url, init, preconnect),
    close: async () => {
      await firefox.close();
      await chromium.close();
      server.stop();
    },
  };
}

/** The server, the publisher and the viewers each in a namespace; the viewers' link delayed `rtt`/2 ms each way. */
export async function spread(rtt: number): Promise<JoinLayout> {
  let topo: Topology | undefined;
  let server: ServerProcess | undefined;
  const browsers: TestBrowser[] = [];
  const close = async (): Promise<void> => {
    for (const b of browsers) await b.close();
    server?.stop();
    if (topo) await topo.delay('viewer', null).catch(() => '');
    topo?.close();
  };
  try {
    topo = makeTopology(['publisher', 'viewer']);
    const t = topo;
    // a server at one address, as a real one (one candidate): an address of the server's own,
    // reached by each client over its link
    const address = t.clients.viewer!.serverIp.replace(/\.\d+$/, '.254');
    execFileSync('ip', ['-n', t.serverNs, 'addr', 'add', `${address}/32`, 'dev', 'lo']);
    for (const who of ['publisher', 'viewer']) execFileSync('ip', ['-n', t.clients[who]!.ns, 'route', 'add', `${address}/32`, 'via', t.clients[who]!.serverIp]);
    const s = await startServerProcess(['--host', address, '--rtc-ip', address], [], { pin: false, wrap: t.wrap(t.serverNs) });
    server = s;
    const url = `http://${address}:${new URL(s.url).port}`;
    for (const who of ['publisher', 'viewer']) {
      // the server is reached at a private address over plain http: let capture work there as on https
      browsers.push(await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${url}`], { executablePath: t.clients[who]!.chromium }));
    }
    await t.delay('viewer', { minMs: rtt / 2, maxMs: rtt / 2, maxSeconds: 1800 });
    const [publisher, viewer] = browsers as [TestBrowser, TestBrowser];
    return {
      server: s,
      where: `server, publisher and viewers in network namespaces, the viewers ${rtt} ms from the server (not pinned)`,
      openPublisher: (init) => chromiumPage(publisher.browser, url, init, true),
      openViewer: async (init, preconnect) => chromiumViewer(await chromiumPage(viewer.browser, url, init, preconnect)),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
