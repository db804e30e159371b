// A call across network namespaces, shared by the tests that break links: the server process in
// its own namespace, one Chromium for alice (publishing camera and microphone) and one for bob
// (watching), each in its own namespace on its own veth link (see netns.ts). Registers before /
// after hooks for the whole test file, like fixture.ts does on loopback.
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { benchToken, startServerProcess, type ServerProcess } from '../../bench/lib/server-process.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { until, waitList } from './sdk-page.ts';
import { framesOf, openPage, type PageContextOptions } from './origin-page.ts';
import { makeTopology, type Topology } from './netns.ts';

/** The two clients. */
export type Who = 'alice' | 'bob';

/** What a test file gets. */
export interface NamespacedCall {
  /** The namespaces (faults go through it). */
  readonly topo: Topology;
  /** The server process. */
  readonly server: ServerProcess;
  /** The server's URL as `who` reaches it. */
  urlFor(who: Who): string;
  /** A fresh SDK page in `who`'s browser (see origin-page.ts). */
  open(who: Who, contextOptions?: PageContextOptions): Promise<Page>;
  /**
   * alice publishes camera and microphone in `room`, bob watches; resolves once bob decodes her
   * frames. `simulcast: false`: alice sends one layer.
   */
  call(room: string, options?: { simulcast?: boolean }): Promise<{ a: Page; b: Page }>;
}

/** Options of {@link namespacedCall}. */
export interface NamespacedCallOptions {
  /** Extra Chromium flags per client (e.g. a file as alice's fake camera). */
  args?: Partial<Record<Who, string[]>>;
  /** Extra server flags, made once the namespaces exist. */
  serverArgs?: (topo: Topology) => string[];
}

/** Registers the hooks and returns the file's call environment (usable inside tests). */
export function namespacedCall(options: NamespacedCallOptions = {}): NamespacedCall {
  let topo: Topology | undefined;
  let server: ServerProcess | undefined;
  const browsers: Partial<Record<Who, TestBrowser>> = {};
  const need = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`${what} not started`);
    return x;
  };
  const urlFor = (who: Who): string => `http://${need(topo, 'topology').clients[who]!.serverIp}:${new URL(need(server, 'server').url).port}`;
  before(async () => {
    topo = makeTopology(['alice', 'bob']);
    server = await startServerProcess(['--host', '0.0.0.0', '--rtc-ip', '0.0.0.0', ...(options.serverArgs?.(topo) ?? [])], [], { pin: false, wrap: topo.wrap(topo.serverNs) });
    for (const who of ['alice', 'bob'] as const) {
      // the server is reached at a private address over plain http: let capture work there as on https
      browsers[who] = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${urlFor(who)}`, ...(options.args?.[who] ?? [])], {
        executablePath: topo.clients[who]!.chromium,
      });
    }
  });
  after(async () => {
    await browsers.alice?.close();
    await browsers.bob?.close();
    server?.stop();
    topo?.close();
  });
  const open = (who: Who, contextOptions?: PageContextOptions): Promise<Page> => openPage(need(browsers[who], `${who}'s browser`), urlFor(who), contextOptions);
  return {
    get topo() {
      return need(topo, 'topology');
    },
    get server() {
      return need(server, 'server');
    },
    urlFor,
    open,
    async call(room, options = {}) {
      const a = await open('alice', options);
      const b = await open('bob');
      await a.evaluate(
        async ({ room, token }) => {
          const ctx = (window as any).ctx;
          await ctx.changeVideoCapture({ state: 1 });
          await ctx.changeAudioCapture({ state: 1 });
          await ctx.joinRtcRoom({ roomId: room, userId: 'alice', token });
        },
        { room, token: benchToken(room, 'alice') },
      );
      await b.evaluate(({ room, token }) => (window as any).ctx.joinRtcRoom({ roomId: room, userId: 'bob', token }), { room, token: benchToken(room, 'bob') });
      await waitList(b, 'onRtcVideoMembersChanged', ['alice'], 15_000);
      await until(async () => (await framesOf(b, 'alice')) > 10, "alice's video at bob", 20_000);
      return { a, b };
    },
  };
}
