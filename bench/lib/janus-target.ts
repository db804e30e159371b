// Janus (Debian package `janus`, 1.1.x) as a benchmark target: its own process with a generated
// config (videoroom plugin + WebSocket transport only, ICE on 127.0.0.1), driven by headless werift
// clients that send and count the same traffic as the rtcroom clients.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RTCPeerConnection, RtpPacket } from 'werift';
import { JanusSession, openJanusSocket, type JanusHandle } from './janus-api.ts';
import type { PublisherClient, SubscriberClient, Target } from './target.ts';
import type { SequenceStats } from './target.ts';
import type { DelaySamples } from './arrival-stamps.ts';
import { connected, describeConnection, gathered, loopbackOnly, publisherPeer, RtpCounter, subscriberPeer, SyntheticSender } from './werift-media.ts';

/** Where the Debian package installs the binary. */
export const JANUS_BIN = '/usr/bin/janus';

/** The folder of Janus' plugins/ and transports/ as the Debian package installed it (`dpkg -L janus`). */
function janusLib(): string {
  const files = spawnSync('dpkg', ['-L', 'janus'], { encoding: 'utf8' }).stdout ?? '';
  const plugins = files.split('\n').find((l) => l.endsWith('/janus/plugins'));
  return plugins ? plugins.slice(0, -'/plugins'.length) : '/usr/lib/x86_64-linux-gnu/janus';
}
const PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];
const VIDEOROOM = 'janus.plugin.videoroom';
/**
 * The getifaddrs() shim bench/janus/setup.sh builds: Janus skips interfaces flagged loopback when
 * gathering, so without it 127.0.0.1 could never be a Janus candidate.
 */
export const LOOPBACK_SHIM = fileURLToPath(new URL('../janus/build/loopback-ice.so', import.meta.url));

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Writes janus.jcfg, the videoroom and the WebSocket transport configs into `dir`. */
function writeConfig(dir: string, wsPort: number, eventLoops: number | undefined): void {
  const lib = janusLib();
  const list = (names: string[]) => names.map((n) => `libjanus_${n}.so`).join(',');
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
\tconfigs_folder = "${dir}"
\tplugins_folder = "${lib}/plugins"
\ttransports_folder = "${lib}/transports"
\tevents_folder = "${lib}/events"
\tloggers_folder = "${lib}/loggers"
\tdebug_level = 3
\tinterface = "127.0.0.1"
${eventLoops ? `\tevent_loops = ${eventLoops}\n` : ''}}
media: {
\trtp_port_range = "20000-40000"
}
nat: {
\tnice_debug = false
\tignore_mdns = true
\tice_enforce_list = "lo"
}
plugins: {
\tdisable = "${list(PLUGINS)}"
}
transports: {
\tdisable = "${list(TRANSPORTS)}"
}
loggers: {
\tdisable = "libjanus_jsonlog.so"
}
events: {
\tbroadcast = false
}
`,
  );
  // no demo rooms: the benchmark creates its own
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
\tjson = "plain"
\tws = true
\tws_port = ${wsPort}
\tws_ip = "127.0.0.1"
\twss = false
}
admin: {
\tadmin_ws = false
\tadmin_wss = false
}
`,
  );
}

/** Janus' videoroom rooms by our room name: numeric ids, created on first use. */
class Rooms {
  #ids = new Map<string, number>();
  #created = new Map<string, Promise<void>>();

  id(name: string): number {
    let id = this.#ids.get(name);
    if (id == null) this.#ids.set(name, (id = 1000 + this.#ids.size));
    return id;
  }

  /** Creates the room through `handle` unless it exists. */
  ensure(name: string, handle: JanusHandle): Promise<void> {
    let p = this.#created.get(name);
    if (!p) {
      const room = this.id(name);
      p = handle
        .message({ request: 'create', room, description: name, permanent: false, publishers: 100, bitrate: 3_000_000, fir_freq: 0, audiocodec: 'opus', videocodec: 'vp8', record: false })
        .then(() => undefined)
        .catch((e: Error) => {
          if (!/janus 427/.test(e.message)) throw e; // 427: the room exists already
        });
      this.#created.set(name, p);
    }
    return p;
  }
}

/** Waits until every one of `displays` publishes in `room` and returns their feed ids, in order. */
async function feedsOf(handle: JanusHandle, room: number, displays: readonly string[], timeoutMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await handle.message({ request: 'listparticipants', room });
    const byName = new Map((data['participants'] as { id: number; display?: string; publisher: boolean }[]).filter((x) => x.publisher).map((x) => [x.display, x.id]));
    const missing = displays.filter((d) => !byName.has(d));
    if (missing.length === 0) return displays.map((d) => byName.get(d)!);
    if (Date.now() > deadline) throw new Error(`janus: no publisher ${missing.join(', ')} in room ${room}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `f` on a new session; closes the session if `f` fails. */
async function withSession<T>(url: string, f: (session: JanusSession) => Promise<T>): Promise<T> {
  const session = await JanusSession.create(url);
  try {
    return await f(session);
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** A werift publisher in a Janus videoroom. */
class JanusPublisher implements PublisherClient {
  readonly session: JanusSession;
  readonly pc: RTCPeerConnection = publisherPeer();
  readonly #media = new SyntheticSender();

  constructor(session: JanusSession) {
    this.session = session;
  }

  /** Packets sent so far. */
  get sent(): { audio: number; video: number } {
    return this.#media.sent;
  }
  /** Keyframes sent so far (the first frame and one per PLI). */
  get keyframes(): number {
    return this.#media.keyframes;
  }

  /** Joins `room` as publisher `user`, publishes audio + video and resolves once connected. */
  static join(url: string, rooms: Rooms, room: string, user: string): Promise<JanusPublisher> {
    return withSession(url, (session) => JanusPublisher.#join(session, rooms, room, user));
  }

  static async #join(session: JanusSession, rooms: Rooms, room: string, user: string): Promise<JanusPublisher> {
    const p = new JanusPublisher(session);
    const media = p.#media;
    try {
      const handle = await session.attach(VIDEOROOM);
      await rooms.ensure(room, handle);
      await handle.message({ request: 'join', ptype: 'publisher', room: rooms.id(room), display: user });
      p.pc.addTransceiver(media.audio, { direction: 'sendonly' });
      const tv = p.pc.addTransceiver(media.video, { direction: 'sendonly' });
      await p.pc.setLocalDescription(await p.pc.createOffer());
      await gathered(p.pc);
      const { jsep } = await handle.message({ request: 'publish' }, { type: 'offer', sdp: loopbackOnly(p.pc.localDescription!.sdp), trickle: false });
      if (!jsep) throw new Error('janus: publish without an answer');
      await handle.trickleCompleted();
      await p.pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
      media.levelId = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/.exec(jsep.sdp)?.[1] ?? 0);
      await connected(p.pc, 20_000);
      // a keyframe (three times a delta frame) on each PLI, as with rtcroom
      tv.sender.onPictureLossIndication.subscribe(() => {
        media.keyframeDue = true;
      });
      return p;
    } catch (e) {
      await p.pc.close();
      throw e;
    }
  }

  /** Starts sending: Opus every 20 ms (~100 B), VP8 `fps` frames of `packetsPerFrame` × ~1100 B. */
  start(fps = 20, packetsPerFrame = 3): void {
    this.#media.start(fps, packetsPerFrame);
  }

  /** Pauses (true) or resumes (false) sending. */
  pause(paused: boolean): void {
    this.#media.paused = paused;
  }

  async close(): Promise<void> {
    this.#media.stop();
    await this.session.close();
    await this.pc.close();
  }
}

/** A werift subscriber to one or more feeds of a Janus videoroom (one subscription, one peer). */
class JanusSubscriber implements SubscriberClient {
  readonly session: JanusSession;
  readonly pc: RTCPeerConnection = subscriberPeer();
  readonly #counter = new RtpCounter();

  constructor(session: JanusSession) {
    this.session = session;
    this.#counter.watch(this.pc);
  }

  /** Packets received per kind. */
  get packets(): { audio: number; video: number } {
    return this.#counter.packets;
  }
  /** Forwarding delays (ms) of every 10th packet. */
  get delays(): DelaySamples {
    return this.#counter.delays;
  }
  /** Loss accounting by sequence number. */
  get sequence(): SequenceStats {
    return this.#counter.sequence;
  }
  /** The client side of the media connection. */
  connection(): string {
    return describeConnection(this.pc);
  }
  /** Called per received RTP packet (for delay probes). */
  set onRtp(f: ((kind: 'audio' | 'video', packet: RtpPacket) => void) | undefined) {
    this.#counter.onRtp = f;
  }

  /** Subscribes to every feed of `publishers` in `room` in one subscription (Janus names no subscriber). */
  static join(url: string, rooms: Rooms, room: string, publishers: readonly string[]): Promise<JanusSubscriber> {
    return withSession(url, (session) => JanusSubscriber.#join(session, rooms, room, publishers));
  }

  static async #join(session: JanusSession, rooms: Rooms, room: string, publishers: readonly string[]): Promise<JanusSubscriber> {
    const s = new JanusSubscriber(session);
    if (publishers.length === 0) return s;
    try {
      const handle = await session.attach(VIDEOROOM);
      await rooms.ensure(room, handle);
      const id = rooms.id(room);
      const feeds = await feedsOf(handle, id, publishers);
      const { jsep } = await handle.message({ request: 'join', ptype: 'subscriber', room: id, streams: feeds.map((feed) => ({ feed })) });
      if (!jsep) throw new Error('janus: subscription without an offer');
      await s.pc.setRemoteDescription({ type: 'offer', sdp: jsep.sdp });
      await s.pc.setLocalDescription(await s.pc.createAnswer());
      await gathered(s.pc);
      await handle.message({ request: 'start' }, { type: 'answer', sdp: loopbackOnly(s.pc.localDescription!.sdp), trickle: false });
      await handle.trickleCompleted();
      return s;
    } catch (e) {
      await s.pc.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.pc.close();
  }
}

/**
 * Starts Janus with a generated config in a fresh temp dir (videoroom + WebSocket transport on
 * 127.0.0.1, ICE on 127.0.0.1 only), pinned to core 0 when taskset exists (this process moves to
 * core 1), and returns it as a {@link Target}. `eventLoops` sets Janus' `event_loops` (shared
 * media threads); unset keeps its default of one thread per handle. `JANUS_LOG=1` streams its log.
 */
export async function janusTarget(opts: { eventLoops?: number } = {}): Promise<Target & { url: string; configDir: string }> {
  if (!existsSync(JANUS_BIN) || !existsSync(LOOPBACK_SHIM)) throw new Error('janus: run bench/janus/setup.sh first (installs Janus, builds the loopback shim)');
  const dir = mkdtempSync(join(tmpdir(), 'janus-bench-'));
  const port = await freePort();
  writeConfig(dir, port, opts.eventLoops);
  const args = ['--configs-folder', dir, '--disable-colors'];
  const env = { ...process.env, LD_PRELOAD: LOOPBACK_SHIM };
  const child: ChildProcess = hasTaskset ? spawn('taskset', ['-c', '0', JANUS_BIN, ...args], { cwd: dir, env }) : spawn(JANUS_BIN, args, { cwd: dir, env });
  if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
  let log = '';
  const onLog = (d: Buffer) => {
    log = (log + String(d)).slice(-20_000);
    if (process.env['JANUS_LOG']) process.stderr.write(d);
  };
  child.stdout!.on('data', onLog);
  child.stderr!.on('data', onLog);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  // never leave Janus running behind a crashed benchmark
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `ws://127.0.0.1:${port}`;
  for (let deadline = Date.now() + 15_000; ; ) {
    if (exited) throw new Error(`janus exited: ${log}`);
    const ws = await openJanusSocket(url).catch(() => undefined);
    if (ws) {
      ws.terminate();
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`janus did not open ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  const rooms = new Rooms();
  return {
    name: opts.eventLoops ? `janus-${opts.eventLoops}loop` : 'janus',
    url,
    configDir: dir,
    pid,
    pinned: hasTaskset ? 'server on core 0, clients on core 1 (taskset)' : 'not pinned (no taskset)',
    cpuSeconds: () => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / CLK_TCK;
    },
    rssBytes: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    publisher: (room, user): Promise<PublisherClient> => JanusPublisher.join(url, rooms, room, user),
    subscriber: (room, _user, publishers): Promise<SubscriberClient> => JanusSubscriber.join(url, rooms, room, publishers),
    stop: async () => {
      process.off('exit', killOnExit);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
