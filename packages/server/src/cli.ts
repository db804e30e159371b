/**
 * The `rtcroom` command line: `serve`, `token`, `app new`, `doctor`, `miniapp build`.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isIPv4 } from 'node:net';
import { resolve } from 'node:path';
import { ID_PATTERN, ID_RULE_TEXT } from '@rtcroom/protocol';
import { AccessToken, Privileges } from '@rtcroom/token';
import { AppConfigError, AppRegistry } from './apps/registry.ts';
import { loadOrCreateDevApp, newApp } from './apps/dev-app.ts';
import { defaultConfig } from './config.ts';
import { createLogger, isLogLevel } from './log.ts';
import { startServer } from './server.ts';
import { profileOnSignal } from './profiling.ts';
import { DEFAULT_TURN_TTL_SECONDS, needsSecret, parseTurnUrls, type TurnConfig } from './turn/credentials.ts';
import { runDoctor } from './doctor/doctor.ts';
import { portSlice } from './workers/port-slices.ts';
import { blockOnSignalForTests } from './debug-block.ts';
import { HELP } from './cli-help.ts';
import { isNativeMode, NATIVE_MODES, nativeModeFromEnv, type NativeMode } from './media/native/send-path.ts';
import { exitCode, formatReport } from './doctor/report.ts';
import { miniappCommand, miniappDir, MiniappUsageError } from './cli-miniapp.ts';
import { OPS_OPTIONS, OpsFlagError, applyOpsFlags } from './ops/flags.ts';
import { ClusterStartError, redact } from './cluster/cluster.ts';
import { CLUSTER_OPTIONS, ClusterFlagError, clusterConfig } from './cluster/flags.ts';
import { youngGenerationWarning } from './young-generation.ts';
import { tierUpSooner } from './jit-tiering.ts';

/** A usage error: printed with a hint, exit code 2. */
class UsageError extends Error {}

/** The server could not start (a port taken, …): printed, exit code 1. */
class StartError extends Error {}

/** Exit code when the cluster cannot be joined at start (`--redis`: Redis unreachable, or the node id live already). */
export const EXIT_CLUSTER_START = 3;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false, allowNegative: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

async function serve(args: string[]): Promise<void> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    apps: { type: 'string' },
    'log-level': { type: 'string' },
    'rtc-ip': { type: 'string' },
    'announced-ip': { type: 'string' },
    'rtc-ports': { type: 'string' },
    'turn-urls': { type: 'string' },
    'turn-secret': { type: 'string' },
    'turn-ttl': { type: 'string' },
    'rtc-port': { type: 'string' },
    'rtc-tcp': { type: 'boolean' },
    'speaker-threshold': { type: 'string' },
    'speaker-onset-ms': { type: 'string' },
    'speaker-hang-ms': { type: 'string' },
    'audio-selection-above': { type: 'string' },
    'audio-speakers': { type: 'string' },
    'profile-dir': { type: 'string' },
    'max-visible-members': { type: 'string' },
    'max-publishers': { type: 'string' },
    'max-members': { type: 'string' },
    'max-connections-per-ip': { type: 'string' },
    workers: { type: 'string' },
    ...CLUSTER_OPTIONS,
    native: { type: 'string' },
    dev: { type: 'boolean' },
    'memory-reclaim': { type: 'boolean' },
    'opus-dtx': { type: 'boolean' },
    miniapp: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...OPS_OPTIONS,
  });
  if (values.help) return void console.log(HELP.serve);
  const miniapp = values.miniapp === undefined ? undefined : miniappDir(values.miniapp);
  for (const f of ['rtc-ip', 'announced-ip'] as const) {
    if (values[f] !== undefined && !isIPv4(values[f])) throw new UsageError(`--${f} must be an IPv4 address, got "${values[f]}"`);
  }
  const portRange = portRangeFlag(values['rtc-ports']);
  if (values['rtc-port'] !== undefined && portRange) {
    throw new UsageError('--rtc-port and --rtc-ports cannot be used together: --rtc-port puts every connection on one UDP port, --rtc-ports gives each its own from a range');
  }
  const singlePort = intFlag('rtc-port', values['rtc-port'], 1024, 65535);
  if (values['rtc-tcp'] && singlePort === undefined) throw new UsageError('--rtc-tcp needs --rtc-port N (ICE over TCP is offered on TCP port N)');
  const logLevel = values['log-level'] ?? process.env.RTCROOM_LOG_LEVEL ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of debug, info, warn, error, silent; got "${logLevel}"`);
  const native = nativeFlag(values.native);
  const port = intFlag('port', values.port, 0, 65535);
  let apps: AppRegistry;
  let devApp;
  if (values.apps) apps = AppRegistry.fromFile(resolve(values.apps));
  else if (process.env.RTCROOM_APPS) apps = AppRegistry.fromJson(process.env.RTCROOM_APPS, 'RTCROOM_APPS');
  else {
    const host = values.host ?? '127.0.0.1';
    if (!isLoopback(host) && !values.dev) {
      throw new UsageError(
        `no apps are configured and --host ${host} is not a loopback address: in dev mode anyone who reaches the port can mint tokens for any room. ` +
          'Configure apps (--apps FILE or RTCROOM_APPS), or pass --dev to run the open dev mode anyway',
      );
    }
    const dev = loadOrCreateDevApp(resolve('.rtcroom/dev-app.json'));
    devApp = dev.app;
    apps = new AppRegistry([dev.app]);
  }
  const config = { ...defaultConfig(apps, devApp), logLevel, native };
  config.media = {
    iceAddress: values['rtc-ip'],
    announcedAddress: values['announced-ip'],
    portRange,
    singlePort: singlePort === undefined ? undefined : { port: singlePort, tcp: values['rtc-tcp'] === true },
  };
  config.turn = turnConfig(values['turn-urls'], values['turn-secret'] ?? process.env.RTCROOM_TURN_SECRET, intFlag('turn-ttl', values['turn-ttl'], 60, 30 * 86400));
  const threshold = intFlag('speaker-threshold', values['speaker-threshold'], 0, 127);
  const onset = intFlag('speaker-onset-ms', values['speaker-onset-ms'], 20, 2000);
  const hang = intFlag('speaker-hang-ms', values['speaker-hang-ms'], 0, 10_000);
  if (threshold !== undefined) config.speakers.thresholdDbov = threshold;
  if (onset !== undefined) config.speakers.onsetWindowMs = onset;
  if (hang !== undefined) config.speakers.hangMs = hang;
  config.audioSelection = {
    aboveMembers: intFlag('audio-selection-above', values['audio-selection-above'], 0, 100_000) ?? config.audioSelection.aboveMembers,
    maxSpeakers: intFlag('audio-speakers', values['audio-speakers'], 1, 100) ?? config.audioSelection.maxSpeakers,
  };
  config.maxVisibleMembers = intFlag('max-visible-members', values['max-visible-members'], 1, 100_000) ?? config.maxVisibleMembers;
  config.maxPublishers = intFlag('max-publishers', values['max-publishers'], 1, 100_000) ?? config.maxPublishers;
  config.maxMembersPerRoom = intFlag('max-members', values['max-members'], 1, 100_000) ?? config.maxMembersPerRoom;
  config.maxConnectionsPerAddress = intFlag('max-connections-per-ip', values['max-connections-per-ip'], 1, 1_000_000) ?? config.maxConnectionsPerAddress;
  config.workers = intFlag('workers', values.workers, 1, 256) ?? config.workers;
  if (singlePort !== undefined && config.workers > 1) {
    throw new UsageError('--rtc-port needs --workers 1: one UDP port cannot be shared between media worker processes (use --rtc-ports with workers)');
  }
  if (portRange && config.workers > 1) {
    try {
      portSlice(portRange, config.workers, 0);
    } catch (e) {
      throw new UsageError(`--rtc-ports: ${(e as Error).message}`);
    }
  }
  if (values['memory-reclaim'] === false) config.memoryReclaim = false;
  if (values['opus-dtx'] === false) config.media.opusDtx = false;
  try {
    config.cluster = clusterConfig(values);
    applyOpsFlags(values, config);
  } catch (e) {
    if (e instanceof OpsFlagError || e instanceof ClusterFlagError) throw new UsageError(e.message);
    throw e;
  }
  if (port !== undefined) config.port = port;
  if (values.host) config.host = values.host;
  config.miniappDir = miniapp;
  const logger = createLogger(logLevel);
  if (values['profile-dir']) profileOnSignal(resolve(values['profile-dir']), logger);
  blockOnSignalForTests(logger);
  tierUpSooner();
  let server;
  try {
    server = await startServer(config, logger);
  } catch (e) {
    if (e instanceof ClusterStartError) throw e;
    throw new StartError(`cannot start: ${(e as Error).message}`);
  }
  console.log(`rtcroom is running at ${server.url}  (demo: ${server.url}/, SDK: ${server.url}/sdk/rtcroom.js)`);
  const young = youngGenerationWarning();
  if (young) logger.warn(young);
  if (miniapp) console.log(`mini-program ${miniapp} at ${server.url}/miniapp/`);
  const cluster = server.cluster?.view();
  if (cluster) console.log(`cluster: node ${cluster.nodeId} at ${cluster.url}, ${cluster.nodes.length} live node(s) on ${redact(config.cluster?.redisUrl ?? '')}`);
  if (devApp && !isLoopback(config.host)) {
    console.warn(`\nWARNING: dev mode on ${config.host}: ANYONE who can reach this port can mint tokens and join any room. Configure apps for real use.`);
  }
  if (devApp) {
    console.log('\nDev mode (no apps configured): tokens for this app can be minted at POST /api/dev/token');
    console.log(`  appId:  ${devApp.appId}`);
    console.log(`  appKey: ${devApp.appKey}`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    const shutdown = () => {
      // bounded: whatever is still open after the grace period is dropped with the process
      const force = setTimeout(() => {
        console.log('shutdown took too long: exiting');
        process.exit(0);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      void server.close().then(() => process.exit(0));
    };
    if (server.cluster && signal === 'SIGTERM') {
      console.log(`\n${signal}: draining (no new rooms here; exit when this node's rooms are empty or after ${Math.round(server.cluster.drainTimeoutMs / 1000)} s; a second signal exits at once)`);
      void server.drain().then(() => {
        console.log('drained: shutting down');
        shutdown();
      });
      return;
    }
    console.log(`\n${signal}: shutting down (members are told; a second signal exits at once)`);
    shutdown();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}


/** `--native`, else `RTCROOM_NATIVE`, else `auto`. */
function nativeFlag(value: string | undefined): NativeMode {
  let env: NativeMode;
  try {
    env = nativeModeFromEnv();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (value === undefined) return env;
  if (!isNativeMode(value)) throw new UsageError(`--native must be one of ${NATIVE_MODES.join(', ')}, got "${value}"`);
  return value;
}

/** `A-B` within 1024-65535, as `--rtc-ports` takes it. */
function portRangeFlag(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(value);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1024 || hi > 65535 || lo > hi) throw new UsageError(`--rtc-ports must be MIN-MAX within 1024-65535, got "${value}"`);
  return [lo, hi];
}

/** `rtcroom doctor`: prints the report; resolves to 0 when nothing failed, else 1. */
async function doctor(args: string[]): Promise<number> {
  const { values } = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'rtc-ip': { type: 'string' },
    'announced-ip': { type: 'string' },
    'rtc-ports': { type: 'string' },
    'rtc-port': { type: 'string' },
    'turn-urls': { type: 'string' },
    'turn-secret': { type: 'string' },
    'insecure-tls': { type: 'boolean' },
    redis: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP.doctor);
    return 0;
  }
  for (const f of ['rtc-ip', 'announced-ip'] as const) {
    if (values[f] !== undefined && !isIPv4(values[f])) throw new UsageError(`--${f} must be an IPv4 address, got "${values[f]}"`);
  }
  const rtcPorts = portRangeFlag(values['rtc-ports']);
  const rtcPort = intFlag('rtc-port', values['rtc-port'], 1, 65535);
  if (rtcPorts && rtcPort !== undefined) throw new UsageError('give --rtc-ports or --rtc-port, not both');
  let turnUrls: string[] = [];
  try {
    if (values['turn-urls'] !== undefined) turnUrls = parseTurnUrls(values['turn-urls']);
  } catch (e) {
    throw new UsageError(`--turn-urls: ${(e as Error).message}`);
  }
  const host = values.host ?? '127.0.0.1';
  const port = intFlag('port', values.port, 1, 65535) ?? 7880;
  console.log(`rtcroom doctor: signaling ${host}:${port}, media ${values['rtc-ip'] ?? 'all interfaces'}${values['announced-ip'] ? ` announced as ${values['announced-ip']}` : ''}\n`);
  const checks = await runDoctor({
    host,
    port,
    rtcIp: values['rtc-ip'],
    announcedIp: values['announced-ip'],
    rtcPorts,
    rtcPort,
    turnUrls,
    turnSecret: values['turn-secret'] ?? process.env.RTCROOM_TURN_SECRET,
    insecureTls: values['insecure-tls'] ?? false,
    redis: values.redis,
  });
  console.log(formatReport(checks));
  return exitCode(checks);
}

/** `--turn-urls`, `--turn-secret`, `--turn-ttl` checked together. */
function turnConfig(urlsFlag: string | undefined, secret: string | undefined, ttl: number | undefined): TurnConfig {
  let urls: string[] = [];
  try {
    if (urlsFlag !== undefined) urls = parseTurnUrls(urlsFlag);
  } catch (e) {
    throw new UsageError(`--turn-urls: ${(e as Error).message}`);
  }
  if (needsSecret(urls) && !secret) throw new UsageError('--turn-urls lists a TURN server: give its shared secret with --turn-secret or RTCROOM_TURN_SECRET');
  if (secret !== undefined && secret.length < 16) throw new UsageError('--turn-secret must be at least 16 characters');
  return { urls, secret: secret || undefined, ttlSeconds: ttl ?? DEFAULT_TURN_TTL_SECONDS };
}

/** A graceful shutdown that takes longer than this exits anyway. */
const SHUTDOWN_GRACE_MS = 4000;

/** True for addresses only this machine can reach (dev mode is safe there). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function token(args: string[]): void {
  const { values } = parse(args, {
    'app-id': { type: 'string' },
    'app-key': { type: 'string' },
    room: { type: 'string' },
    user: { type: 'string' },
    expire: { type: 'string' },
    publish: { type: 'boolean', default: true },
    subscribe: { type: 'boolean', default: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void console.log(HELP.token);
  const missing = (['app-id', 'app-key', 'room', 'user'] as const).filter((k) => !values[k]);
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
  const appId = values['app-id'] as string;
  const room = values.room as string;
  const user = values.user as string;
  if (appId.length !== 24) throw new UsageError(`--app-id must be 24 characters, got ${appId.length}`);
  if (room !== '*' && !ID_PATTERN.test(room)) throw new UsageError(`--room must match ${ID_RULE_TEXT} or be *`);
  if (!ID_PATTERN.test(user)) throw new UsageError(`--user must match ${ID_RULE_TEXT}`);
  const life = intFlag('expire', values.expire, 0, 10 * 365 * 86400) ?? 86400;
  const expireAt = life === 0 ? 0 : Math.floor(Date.now() / 1000) + life;
  const t = new AccessToken(appId, values['app-key'] as string, room, user);
  t.expireTime(expireAt);
  if (values.publish) t.addPrivilege(Privileges.PublishStream, expireAt);
  if (values.subscribe) t.addPrivilege(Privileges.SubscribeStream, expireAt);
  console.log(t.serialize());
}

function app(args: string[]): void {
  if (args[0] === '--help' || args[0] === '-h') return void console.log(HELP.app);
  if (args[0] !== 'new' || args.length > 1) throw new UsageError(`expected "rtcroom app new", got "rtcroom app ${args.join(' ')}"`);
  console.log(JSON.stringify(newApp()));
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(rest);
        return 0;
      case 'token':
        token(rest);
        return 0;
      case 'app':
        app(rest);
        return 0;
      case 'doctor':
        return await doctor(rest);
      case 'miniapp':
        return await miniappCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(HELP.main);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof MiniappUsageError) {
      const help = command === 'serve' || command === 'token' || command === 'app' || command === 'doctor' || command === 'miniapp' ? `rtcroom ${command} --help` : 'rtcroom --help';
      console.error(`rtcroom: ${e.message}\nSee "${help}".`);
      return 2;
    }
    if (e instanceof StartError) {
      console.error(`rtcroom: ${e.message}`);
      return 1;
    }
    if (e instanceof ClusterStartError) {
      console.error(`rtcroom: cannot start: ${e.message}`);
      return EXIT_CLUSTER_START;
    }
    if (e instanceof AppConfigError) {
      console.error(`rtcroom: ${e.message}\nSee "rtcroom serve --help" for the apps format.`);
      return 2;
    }
    throw e;
  }
}
