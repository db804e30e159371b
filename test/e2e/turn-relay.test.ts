// Through TURN (a real coturn) from networks that block UDP: the server and coturn in one
// namespace, alice (publishing) and bob (watching) in client namespaces whose firewalls the test
// sets. Three calls: the SDK's `iceTransportPolicy: 'relay'` with UDP open (relay over UDP);
// UDP blocked (relay over TCP, 3478); UDP and TCP 3478 blocked (relay over TLS, 443, with a
// certificate made for the test). Each time bob decodes alice's video and every selected
// candidate pair of both pages is a relay one, over the expected protocol.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { benchToken } from '../../bench/lib/server-process.ts';
import { namespacedCall, type Who } from '../helpers/netns-call.ts';
import { framesOf, selectedPairs } from '../helpers/origin-page.ts';
import { until, waitList } from '../helpers/sdk-page.ts';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';

const TURN_PORT = 3478;
const TLS_PORT = 443;
const SECRET = 'coturn-test-secret-0123456789';

describe('TURN relay (namespaces, coturn)', () => {
  // the TURN server's address: alice's side of the server namespace (bob gets a route to it)
  const env = namespacedCall({
    // coturn's certificate is self-signed (the test made it)
    args: { alice: ['--ignore-certificate-errors'], bob: ['--ignore-certificate-errors'] },
    serverArgs: (topo) => {
      const host = topo.clients.alice!.serverIp;
      return ['--turn-urls', `turn:${host}:${TURN_PORT},turn:${host}:${TURN_PORT}?transport=tcp,turns:${host}:${TLS_PORT}?transport=tcp`, '--turn-secret', SECRET];
    },
  });
  let turn: Coturn | undefined;
  const rules: [Who, string[]][] = [];
  const firewall = (who: Who, add: boolean, match: string[]): void => {
    const ns = env.topo.clients[who]!.ns;
    execFileSync('ip', ['netns', 'exec', ns, 'iptables', add ? '-I' : '-D', 'OUTPUT', ...(add ? ['1'] : []), '!', '-o', 'lo', ...match, '-j', 'REJECT']);
    if (add) rules.push([who, match]);
  };
  const clearFirewalls = (): void => {
    for (const [who, match] of rules.splice(0)) firewall(who, false, match);
  };
  before(async () => {
    const { alice, bob } = env.topo.clients;
    execFileSync('ip', ['-n', bob!.ns, 'route', 'add', `${alice!.serverIp}/32`, 'via', bob!.serverIp]);
    turn = await startCoturn({
      listenIps: [alice!.serverIp, bob!.serverIp],
      relayIp: alice!.serverIp,
      port: TURN_PORT,
      tls: true,
      tlsPort: TLS_PORT,
      wrap: env.topo.wrap(env.topo.serverNs),
    });
    assert.equal(turn.secret, SECRET);
  });
  after(() => turn?.stop());

  /** alice publishes, bob watches; resolves with both pages once bob decodes alice's frames. */
  const call = async (room: string, policy: 'all' | 'relay'): Promise<Page[]> => {
    const a = await env.open('alice', { iceTransportPolicy: policy });
    const b = await env.open('bob', { iceTransportPolicy: policy });
    await a.evaluate(
      async ({ room, token }) => {
        const ctx = (window as unknown as { ctx: Record<string, (o: object) => Promise<unknown>> }).ctx;
        await ctx.changeVideoCapture!({ state: 1 });
        await ctx.changeAudioCapture!({ state: 1 });
        await ctx.joinRtcRoom!({ roomId: room, userId: 'alice', token });
      },
      { room, token: benchToken(room, 'alice') },
    );
    await b.evaluate(({ room, token }) => (window as unknown as { ctx: { joinRtcRoom(o: object): Promise<unknown> } }).ctx.joinRtcRoom({ roomId: room, userId: 'bob', token }), {
      room,
      token: benchToken(room, 'bob'),
    });
    await waitList(b, 'onRtcVideoMembersChanged', ['alice'], 15_000);
    await until(async () => (await framesOf(b, 'alice')) > 10, "alice's video at bob", 30_000);
    return [a, b];
  };

  /** Every selected pair of every page is a relay one, to coturn over `protocol` (any when undefined). */
  const expectRelay = async (pages: Page[], protocol: string | undefined): Promise<void> => {
    for (const [i, p] of pages.entries()) {
      const pairs = await until(async () => {
        const got = await selectedPairs(p);
        return got.length > 0 ? got : undefined;
      }, 'a selected pair', 10_000);
      console.log(`# ${i === 0 ? 'alice' : 'bob'}: ${pairs.map((x) => `${x.local}/${x.relayProtocol} → ${x.remote}`).join(', ')}`);
      for (const pair of pairs) {
        assert.equal(pair.local, 'relay', JSON.stringify(pairs));
        if (protocol) assert.equal(pair.relayProtocol, protocol, JSON.stringify(pairs));
        else assert.ok(['udp', 'tcp', 'tls'].includes(String(pair.relayProtocol)), JSON.stringify(pairs));
      }
    }
  };

  const run = async (room: string, policy: 'all' | 'relay', protocol: string | undefined): Promise<void> => {
    const pages = await call(room, policy);
    try {
      await expectRelay(pages, protocol);
      const before = await framesOf(pages[1]!, 'alice');
      await until(async () => (await framesOf(pages[1]!, 'alice')) > before + 20, 'frames keep coming', 10_000);
    } finally {
      for (const p of pages) await p.context().close().catch(() => undefined);
    }
  };

  // (which of coturn's UDP, TCP and TLS allocations carries it is ICE's choice: on a loaded machine
  // a TCP or TLS one may connect first and keep the nomination; a clean-clone CI run saw TLS)
  test("iceTransportPolicy 'relay' with UDP open: media only through coturn", async () => {
    await run('relay-udp', 'relay', undefined);
  });

  /** With UDP and TCP `closedPort` blocked on both clients: the call relays over `protocol`. */
  const runBlocked = async (room: string, closedPort: number, protocol: string): Promise<void> => {
    try {
      for (const who of ['alice', 'bob'] as const) {
        firewall(who, true, ['-p', 'udp']);
        firewall(who, true, ['-p', 'tcp', '--dport', String(closedPort)]);
      }
      await run(room, 'all', protocol);
    } finally {
      clearFirewalls();
    }
  };

  test('UDP blocked: the call goes through coturn over TCP', async () => {
    await runBlocked('relay-tcp', TLS_PORT, 'tcp');
  });

  test('UDP and TCP 3478 blocked: the call goes through coturn over TLS on 443', async () => {
    await runBlocked('relay-tls', TURN_PORT, 'tls');
  });
});
