// Test hosts in network namespaces this test makes itself: a server namespace joined by its own
// veth pair to each client namespace. Faults (a total cut, random loss) are iptables rules inside
// a client namespace; nothing is routed anywhere else. Everything is deleted by `close()` (call it
// in a `finally`/`after`) and, as a last resort, when the process exits.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One client namespace and its link to the server namespace. */
export interface ClientHost {
  /** Namespace name. */
  ns: string;
  /** The client's address. */
  ip: string;
  /** The server's address on this link (what the client connects to). */
  serverIp: string;
  /** An executable that runs Chromium inside this namespace (for `executablePath`). */
  chromium: string;
}

/** The namespaces of one test file. */
export interface Topology {
  /** The server's namespace. */
  serverNs: string;
  /** The client hosts, by the names given. */
  clients: Record<string, ClientHost>;
  /** `ip netns exec <ns>`: a command prefix that runs a program inside `ns`. */
  wrap(ns: string): string[];
  /** Drops every packet in and out of the client's namespace (true) or stops dropping (false). */
  cut(client: string, on: boolean): void;
  /** Drops this share (0–1) of packets each way at random; 0 removes the rule. */
  loss(client: string, probability: number): void;
  /** Deletes the namespaces (and so their links and rules). */
  close(): void;
}

const sh = (args: string[]): string => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** True when this process may make namespaces (root with `ip` and `iptables`). */
export function canMakeNamespaces(): boolean {
  try {
    sh(['ip', 'netns', 'list']);
    sh(['iptables', '--version']);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

/**
 * Makes a server namespace and one client namespace per name, each on its own /30 of
 * 10.213.0.0/16 (a range used by nothing here), lo up in every namespace.
 */
export function makeTopology(clientNames: readonly string[]): Topology {
  const tag = (process.pid % 9000) + 1000;
  const serverNs = `rtcr-s${tag}`;
  const made: string[] = [];
  const close = (): void => {
    for (const ns of made.splice(0)) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', close);
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-netns-'));
  try {
    sh(['ip', 'netns', 'add', serverNs]);
    made.push(serverNs);
    sh(['ip', '-n', serverNs, 'link', 'set', 'lo', 'up']);
    const clients: Record<string, ClientHost> = {};
    const third = tag % 250;
    clientNames.forEach((name, i) => {
      const ns = `rtcr-c${tag}${name}`.slice(0, 30);
      sh(['ip', 'netns', 'add', ns]);
      made.push(ns);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      const sIf = `rs${tag}${i}`;
      const cIf = `rc${tag}${i}`;
      sh(['ip', 'link', 'add', sIf, 'netns', serverNs, 'type', 'veth', 'peer', 'name', cIf, 'netns', ns]);
      const serverIp = `10.213.${third}.${i * 4 + 1}`;
      const ip = `10.213.${third}.${i * 4 + 2}`;
      sh(['ip', '-n', serverNs, 'addr', 'add', `${serverIp}/30`, 'dev', sIf]);
      sh(['ip', '-n', ns, 'addr', 'add', `${ip}/30`, 'dev', cIf]);
      sh(['ip', '-n', serverNs, 'link', 'set', sIf, 'up']);
      sh(['ip', '-n', ns, 'link', 'set', cIf, 'up']);
      const chromium = join(dir, `chromium-${name}`);
      writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${ns} ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`);
      chmodSync(chromium, 0o755);
      clients[name] = { ns, ip, serverIp, chromium };
    });
    const rule = (client: string, add: boolean, extra: string[]): void => {
      const ns = clients[client]!.ns;
      for (const [chain, dir] of [['INPUT', '-i'], ['OUTPUT', '-o']] as const) {
        try {
          sh(['ip', 'netns', 'exec', ns, 'iptables', add ? '-A' : '-D', chain, '!', dir, 'lo', ...extra, '-j', 'DROP']);
        } catch {
          // removing a rule that is not there
        }
      }
    };
    const lossRules = new Map<string, number>();
    return {
      serverNs,
      clients,
      wrap: (ns) => ['ip', 'netns', 'exec', ns],
      cut: (client, on) => rule(client, on, []),
      loss: (client, p) => {
        const old = lossRules.get(client);
        if (old !== undefined) rule(client, false, ['-m', 'statistic', '--mode', 'random', '--probability', String(old)]);
        lossRules.delete(client);
        if (p > 0) {
          rule(client, true, ['-m', 'statistic', '--mode', 'random', '--probability', String(p)]);
          lossRules.set(client, p);
        }
      },
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
