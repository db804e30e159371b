// The hostile side of `npm run bench -- fuzz`, run as its own process (so its work never delays the
// live call's clients' timers in the harness): thousands of WebSocket connections from 127.0.0.x
// sending malformed, deep, large, oversized and flooding frames, half-open upgrades that stall, and
// one address trying to exceed the per-address connection cap. Loopback only; every loop is bounded;
// everything is closed before it prints its tally (one JSON line on stdout) and exits.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';

/** What the harness asks for (passed as JSON in argv[2]). */
export interface AttackPlan {
  /** ws://127.0.0.1:port/rtc */
  wsUrl: string;
  /** WebSocket connections to open at least (more if the frame target needs them). */
  connections: number;
  /** Frames to send at least. */
  frames: number;
  /** Source addresses to spread connections over (each under the per-address cap). */
  addresses: string[];
  /** Connections open at once. */
  concurrency: number;
  /** Raw TCP sockets that send a partial upgrade request and stall. */
  halfOpen: number;
  /** How long a half-open socket is left for the server to close before it is destroyed (ms). */
  halfOpenHoldMs: number;
  /** One address that tries to hold `singleAddressTries` connections at once (the cap's test). */
  singleAddress: string;
  singleAddressTries: number;
  /** Hard bound on the whole attack (ms). */
  maxMs: number;
}

/** What the attacker did and saw. */
export interface AttackTally {
  /** Wall-clock bounds of the WebSocket attack (epoch ms, performance.timeOrigin-based). */
  startedAt: number;
  endedAt: number;
  framesSent: number;
  bytesSent: number;
  framesByKind: Record<string, number>;
  opened: number;
  refused: number;
  /** Connections the server closed, by close code. */
  closedByServer: Record<string, number>;
  /** Every connection's close code as received (a server's 4029 can cross the attacker's own close). */
  closeCodes: Record<string, number>;
  /** Connections the attacker closed itself after its script. */
  closedByUs: number;
  /** Error replies received. */
  errorReplies: number;
  halfOpen: { opened: number; closedByServer: number; maxCloseMs: number; leftOpen: number };
  singleAddress: { address: string; tried: number; opened: number; refused: number };
  hitTimeLimit: boolean;
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The frames, built once. `binary` ones go out as binary frames. */
function corpus(): Record<string, { data: Buffer; binary?: boolean }> {
  const b = (s: string) => Buffer.from(s);
  const deep = 32_000;
  return {
    ping: { data: b('{"id":1,"method":"ping","params":{}}') },
    deep: { data: b(`{"id":7,"method":"ping","params":${'['.repeat(deep)}${']'.repeat(deep)}}`) },
    big60: { data: b(JSON.stringify({ id: 2, method: 'ping', params: {}, pad: 'x'.repeat(60 * 1024) })) },
    wide60: { data: b(`{"id":3,"method":"ping","params":{${Array.from({ length: 4500 }, (_, i) => `"k${i}":${i}`).join(',')}}}`) },
    over64k: { data: b(JSON.stringify({ id: 4, method: 'ping', pad: 'y'.repeat(100 * 1024) })) },
    over1m: { data: b(JSON.stringify({ id: 5, method: 'ping', pad: 'z'.repeat(1536 * 1024) })) },
    badJson: { data: b('{"id":1,"method":"ping","params":{') },
    notJson: { data: b('hello, server \u0000\u0001\u00ff') },
    unknown: { data: b('{"id":9,"method":"dropAllRooms","params":{}}') },
    badParams: { data: b('{"id":10,"method":"joinRtcRoom","params":{"appId":5,"roomId":[],"userId":{}}}') },
    badToken: { data: b('{"id":11,"method":"joinRtcRoom","params":{"appId":"bench0000000000000000000","roomId":"r","userId":"u","token":"00112233forged"}}') },
    notObject: { data: b('[1,2,3]') },
    hugeId: { data: b('{"id":1e308,"method":"ping"}') },
    binary: { data: randomBytes(200), binary: true },
    escapes: { data: b(JSON.stringify({ id: 12, method: 'ping', params: {}, s: '\u0000\u2028"\\'.repeat(400) })) },
  };
}

const GARBAGE = ['badJson', 'notJson', 'unknown', 'badParams', 'badToken', 'notObject', 'hugeId', 'binary', 'ping', 'escapes'] as const;

/** The script of connection `i`: which frames it sends, in order. */
function script(i: number): string[] {
  const slot = i % 40;
  if (slot < 2) return Array(600).fill('ping'); // a flood: the rate limit (burst 200, 100/s) closes it (4029)
  if (slot < 4) return Array.from({ length: 50 }, (_, k) => GARBAGE[(k + i) % GARBAGE.length]!);
  if (slot < 6) return [...Array(8).fill('deep'), ...Array(20).fill('ping')];
  if (slot < 8) return Array(10).fill('big60');
  if (slot < 10) return Array(8).fill('wide60');
  if (slot < 12) return Array(5).fill('over64k');
  if (slot === 12) return ['ping', 'over1m', 'ping']; // above the hard cap: closed unread (1009)
  return Array.from({ length: 50 }, (_, k) => GARBAGE[(k + i) % GARBAGE.length]!);
}

async function run(plan: AttackPlan): Promise<AttackTally> {
  const frames = corpus();
  const t: AttackTally = {
    startedAt: now(),
    endedAt: 0,
    framesSent: 0,
    bytesSent: 0,
    framesByKind: {},
    opened: 0,
    refused: 0,
    closedByServer: {},
    closeCodes: {},
    closedByUs: 0,
    errorReplies: 0,
    halfOpen: { opened: 0, closedByServer: 0, maxCloseMs: 0, leftOpen: 0 },
    singleAddress: { address: plan.singleAddress, tried: plan.singleAddressTries, opened: 0, refused: 0 },
    hitTimeLimit: false,
  };
  const deadline = performance.now() + plan.maxMs;
  const host = new URL(plan.wsUrl);

  // half-open upgrades: headers never finished
  const halfOpen: Socket[] = [];
  const halfOpenDone = new Promise<void>((resolve) => {
    let left = plan.halfOpen;
    if (left === 0) resolve();
    for (let i = 0; i < plan.halfOpen; i++) {
      const opened = performance.now();
      let ours = false;
      const s = connect({ host: host.hostname, port: Number(host.port), localAddress: plan.addresses[i % plan.addresses.length] });
      s.on('connect', () => {
        t.halfOpen.opened++;
        s.write(`GET ${host.pathname} HTTP/1.1\r\nHost: ${host.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`);
      });
      s.on('error', () => undefined);
      s.on('close', () => {
        if (!ours) {
          t.halfOpen.closedByServer++;
          t.halfOpen.maxCloseMs = Math.max(t.halfOpen.maxCloseMs, performance.now() - opened);
        }
        if (--left === 0) resolve();
      });
      halfOpen.push(s);
      (s as Socket & { markOurs?: () => void }).markOurs = () => (ours = true);
    }
  });
  const halfOpenTimer = setTimeout(() => {
    for (const s of halfOpen) {
      if (!s.destroyed) {
        t.halfOpen.leftOpen++;
        (s as Socket & { markOurs?: () => void }).markOurs?.();
        s.destroy();
      }
    }
  }, plan.halfOpenHoldMs);

  // one address over the cap: hold them all at once, then close
  const single = (async () => {
    const held: WebSocket[] = [];
    await Promise.all(
      Array.from({ length: plan.singleAddressTries }, async () => {
        const ws = new WebSocket(plan.wsUrl, { localAddress: plan.singleAddress, perMessageDeflate: false, handshakeTimeout: 10_000 });
        ws.on('message', () => undefined);
        const ok = await new Promise<boolean>((resolve) => {
          ws.once('open', () => resolve(true));
          ws.once('error', () => resolve(false));
        });
        if (ok) (t.singleAddress.opened++, held.push(ws));
        else t.singleAddress.refused++;
      }),
    );
    await sleep(500);
    for (const ws of held) ws.close(1000);
  })();

  // the WebSocket attack: a pool of `concurrency` connections, each running its script
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const ws = new WebSocket(plan.wsUrl, { localAddress: plan.addresses[i % plan.addresses.length], perMessageDeflate: false, handshakeTimeout: 10_000 });
    let ours = false;
    const closed = new Promise<void>((resolve) => {
      ws.on('close', (code) => {
        if (!ours) t.closedByServer[code] = (t.closedByServer[code] ?? 0) + 1;
        t.closeCodes[code] = (t.closeCodes[code] ?? 0) + 1;
        resolve();
      });
    });
    let replies = 0;
    ws.on('message', (d) => {
      replies++;
      if (String(d).includes('"error"')) t.errorReplies++;
    });
    const ok = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
    });
    if (!ok) {
      t.refused++;
      return;
    }
    ws.on('error', () => undefined);
    t.opened++;
    let sent = 0;
    for (const kind of script(i)) {
      if (ws.readyState !== WebSocket.OPEN) break;
      const f = frames[kind]!;
      ws.send(f.data, { binary: f.binary === true });
      t.framesSent++;
      sent++;
      t.bytesSent += f.data.length;
      t.framesByKind[kind] = (t.framesByKind[kind] ?? 0) + 1;
    }
    // every frame gets a reply: wait for them all (or the server's cut, at most 5 s), then leave
    for (let k = 0; k < 250 && ws.readyState === WebSocket.OPEN && replies < sent; k++) await sleep(20);
    if (ws.readyState === WebSocket.OPEN) {
      ours = true;
      t.closedByUs++;
      ws.close(1000);
    }
    await Promise.race([closed, sleep(2000)]);
    ws.terminate();
  };
  const worker = async (): Promise<void> => {
    while ((next < plan.connections || t.framesSent < plan.frames) && next < plan.connections * 3) {
      if (performance.now() > deadline) {
        t.hitTimeLimit = true;
        return;
      }
      await one(next++);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  t.endedAt = now();
  await single;
  await halfOpenDone;
  clearTimeout(halfOpenTimer);
  return t;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as AttackPlan;
const tally = await run(plan);
process.stdout.write(`${JSON.stringify(tally)}\n`);
process.exit(0);
