// Test hosts in network namespaces this test makes itself: a server namespace joined by its own
// veth pair to each client namespace. Faults (a total cut, random loss) are iptables rules inside
// a client namespace; delay is an NFQUEUE rule there whose packets a small C program
// (test/tools/nfq-delay.c, compiled on first use) holds for a while before accepting them, as
// this kernel has no sch_netem. Nothing is routed anywhere else. Everything is deleted by `close()`
// (call it in a `finally`/`after`) and, as a last resort, when the process exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /**
   * Delays every packet in and out of the client's namespace by its own random time, uniform in
   * [minMs, maxMs] (packets may be reordered); `null` removes the delay. Starts (or stops) the
   * nfq-delay program inside the namespace; resolves once its rules are in place, or, on removal,
   * with the program's summary line (packets delayed, mean and max delay). Drops added by `cut` and
   * `loss` apply before the delay. Rejects if the program cannot be built (needs `cc` and
   * libnetfilter-queue-dev) or does not start.
   */
  delay(client: string, spec: DelaySpec | null): Promise<string>;
  /**
   * Moves the client to its other network, as a phone going from Wi-Fi to 4G: the interface it
   * uses loses its address and goes down, a second link (made on first use, its own /30) comes
   * up with another address, and the server stays reachable at the same `serverIp` through it.
   * Calling it again moves the client back. Returns the client's new address.
   */
  switchNetwork(client: string): string;
  /**
   * Caps the client's link at `kbps` each way with a token bucket (`tc tbf` on both ends of its
   * veth pair, 200 ms of queue); `null` lifts the cap.
   */
  cap(client: string, kbps: number | null): void;
  /** Deletes the namespaces (and so their links and rules). */
  close(): void;
}

/** A random per-packet delay, uniform in [minMs, maxMs]. */
export interface DelaySpec {
  minMs: number;
  maxMs: number;
  /** The program exits (accepting what it holds) after this long however the test ends; default 600. */
  maxSeconds?: number;
}

/** The delay program's source, compiled by `Topology.delay` on first use. */
export const NFQ_DELAY_SOURCE = fileURLToPath(new URL('../tools/nfq-delay.c', import.meta.url));

/** A running nfq-delay program and the queue its rules send to. */
interface Delayer {
  child: ChildProcess;
  queue: number;
  exited: Promise<string>;
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
  const delayers = new Map<string, Delayer>();
  const close = (): void => {
    for (const d of delayers.values()) d.child.kill('SIGTERM');
    delayers.clear();
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
    // the same rule on traffic in and out of the client (not on its loopback); drops go first in
    // the chain: a packet the delay program accepts skips the rest of it
    const rule = (client: string, add: boolean, extra: string[], target = ['-j', 'DROP']): void => {
      const ns = clients[client]!.ns;
      for (const [chain, dir] of [['INPUT', '-i'], ['OUTPUT', '-o']] as const) {
        const drop = target[1] === 'DROP';
        const where = !add ? ['-D', chain] : drop ? ['-I', chain, '1'] : ['-A', chain];
        try {
          sh(['ip', 'netns', 'exec', ns, 'iptables', ...where, '!', dir, 'lo', ...extra, ...target]);
        } catch (e) {
          if (add) throw e;
          // removing a rule that is not there
        }
      }
    };
    let delayProgram: string | undefined;
    const buildDelayProgram = (): string => {
      if (delayProgram) return delayProgram;
      const out = join(dir, 'nfq-delay');
      try {
        sh(['cc', '-O2', '-Wall', '-o', out, NFQ_DELAY_SOURCE, '-lnetfilter_queue', '-lnfnetlink']);
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`cannot build ${NFQ_DELAY_SOURCE} (needs cc, libc6-dev and libnetfilter-queue-dev): ${err.stderr || err.message}`);
      }
      return (delayProgram = out);
    };
    const startDelay = async (client: string, spec: DelaySpec): Promise<Delayer> => {
      const { minMs, maxMs, maxSeconds = 600 } = spec;
      const queue = clientNames.indexOf(client) + 1;
      const child = spawn('ip', ['netns', 'exec', clients[client]!.ns, buildDelayProgram(), String(queue), String(minMs), String(maxMs), String(maxSeconds)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const exited = new Promise<string>((resolve) => child.once('close', () => resolve(stderr.trim().split('\n').at(-1) ?? '')));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => fail('no "ready" within 5 s'), 5000);
        const fail = (why: string): void => {
          clearTimeout(timer);
          child.kill('SIGTERM');
          reject(new Error(`nfq-delay in ${clients[client]!.ns}: ${why}: ${stderr.trim()}`));
        };
        child.stdout!.setEncoding('utf8').on('data', (c: string) => {
          if (c.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => fail(`exited (${code})`));
      });
      return { child, queue, exited };
    };
    // per client: its two links and which one is up
    const links = new Map<string, { ifs: [string, string]; ips: [string, string]; gw: string; on: 0 | 1 }>();
    const switchNetwork = (client: string): string => {
      const c = clients[client]!;
      const i = clientNames.indexOf(client);
      let l = links.get(client);
      if (!l) {
        const sIf = `rs${tag}${i}b`;
        const cIf = `rc${tag}${i}b`;
        const gw = `10.213.${third}.${128 + i * 4 + 1}`;
        const ip = `10.213.${third}.${128 + i * 4 + 2}`;
        sh(['ip', 'link', 'add', sIf, 'netns', serverNs, 'type', 'veth', 'peer', 'name', cIf, 'netns', c.ns]);
        sh(['ip', '-n', serverNs, 'addr', 'add', `${gw}/30`, 'dev', sIf]);
        sh(['ip', '-n', serverNs, 'link', 'set', sIf, 'up']);
        l = { ifs: [`rc${tag}${i}`, cIf], ips: [c.ip, ip], gw, on: 0 };
        links.set(client, l);
      }
      const from = l.on;
      const to = (1 - from) as 0 | 1;
      sh(['ip', '-n', c.ns, 'addr', 'flush', 'dev', l.ifs[from]]);
      sh(['ip', '-n', c.ns, 'link', 'set', l.ifs[from], 'down']);
      sh(['ip', '-n', c.ns, 'addr', 'add', `${l.ips[to]}/30`, 'dev', l.ifs[to]]);
      sh(['ip', '-n', c.ns, 'link', 'set', l.ifs[to], 'up']);
      // the server's address on the first link, reached through the second
      if (to === 1) sh(['ip', '-n', c.ns, 'route', 'add', `${c.serverIp}/32`, 'via', l.gw, 'dev', l.ifs[1]]);
      l.on = to;
      return l.ips[to];
    };
    const cap = (client: string, kbps: number | null): void => {
      const i = clientNames.indexOf(client);
      for (const [ns, dev] of [[serverNs, `rs${tag}${i}`], [clients[client]!.ns, `rc${tag}${i}`]] as const) {
        try {
          sh(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root']);
        } catch {
          // no qdisc of ours yet
        }
        if (kbps === null) continue;
        // burst: at least one full-size packet plus a little; queue: 200 ms at the cap
        const burst = Math.max(2000, Math.round((kbps * 1000) / 8 / 100));
        sh(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${kbps}kbit`, 'burst', String(burst), 'latency', '200ms']);
      }
    };
    const lossRules = new Map<string, number>();
    return {
      switchNetwork,
      cap,
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
      delay: async (client, spec) => {
        const old = delayers.get(client);
        let summary = '';
        if (old) {
          rule(client, false, [], ['-j', 'NFQUEUE', '--queue-num', String(old.queue)]);
          delayers.delete(client);
          old.child.kill('SIGTERM');
          summary = await old.exited;
        }
        if (spec) {
          const d = await startDelay(client, spec);
          delayers.set(client, d);
          rule(client, true, [], ['-j', 'NFQUEUE', '--queue-num', String(d.queue)]);
        }
        return summary;
      },
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
