// One real server and one Chromium for a whole test file (two cores: reuse the browser).
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer } from './server.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';

/** Test pages served at `/` by test servers. */
export const PAGES_DIR = fileURLToPath(new URL('../fixtures/pages/', import.meta.url));

/** A started server with its WebSocket URL. */
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** Registers before/after hooks that start a server (serving the test pages) and a browser. */
export function serverAndBrowser(): { readonly server: TestServer; readonly tb: TestBrowser } {
  let server: TestServer | undefined;
  let tb: TestBrowser | undefined;
  before(async () => {
    server = await startTestServer({ demoDir: PAGES_DIR });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('server not started');
      return server;
    },
    get tb() {
      if (!tb) throw new Error('browser not started');
      return tb;
    },
  };
}
