// A real server per test file plus WebSocket clients that are all terminated at the end.
import { after, before } from 'node:test';
import type { ServerConfig } from '@rtcroom/server';
import { startTestServer } from './server.ts';
import { TestClient } from './ws-client.ts';

/** Registers hooks that start a server (with `overrides`) and clean up the clients made by `connect`. */
export function serverWithClients(overrides: Partial<ServerConfig> = {}) {
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  const clients: TestClient[] = [];
  before(async () => {
    server = await startTestServer(overrides);
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await server?.close();
  });
  const get = () => {
    if (!server) throw new Error('server not started');
    return server;
  };
  return {
    get server() {
      return get();
    },
    /** A connected client, closed after the file's tests. */
    connect: async (opts: { autoPong?: boolean } = {}): Promise<TestClient> => {
      const c = await TestClient.connect(get().wsUrl, opts);
      clients.push(c);
      return c;
    },
  };
}
