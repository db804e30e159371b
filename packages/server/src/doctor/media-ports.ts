/**
 * The doctor's media checks: can UDP sockets be bound where the server would put them (the
 * `--rtc-ports` range, the single `--rtc-port`, or any port), and does a STUN binding request
 * sent from this machine to such a socket via each media address come back?
 * @module
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { ATTR, decodeStun, encodeStun, STUN, transactionId, xorAddress, xorAddressValue } from '../turn/stun-message.ts';
import type { Check } from './report.ts';

/** What to check. */
export interface MediaPortOptions {
  /** Address media sockets bind to (`--rtc-ip`, or 0.0.0.0). */
  bindAddress: string;
  /** `--rtc-ports`. */
  range: [number, number] | undefined;
  /** `--rtc-port` (single UDP port mode). */
  singlePort: number | undefined;
  /** An rtcroom server answered on the signaling port: busy media ports are expected. */
  serverRunning: boolean;
  /** Addresses to send the round trip to (this machine's media addresses). */
  roundTripTargets: readonly string[];
  /** `--announced-ip` when it is not an address of this machine: a round trip through the NAT is tried. */
  announcedElsewhere: string | undefined;
  /** How many host addresses each media connection takes a port on (for the capacity estimate). */
  hostAddressCount: number;
  /** Per round trip (ms, default 1000). */
  timeoutMs?: number;
}

/**
 * Up to `max` ports spread evenly over `lo`…`hi`, both ends included (all of them when the range
 * is that small).
 */
export function samplePorts(lo: number, hi: number, max = 16): number[] {
  const size = hi - lo + 1;
  if (size <= max) return Array.from({ length: size }, (_, i) => lo + i);
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(lo + Math.round((i * (size - 1)) / (max - 1)));
  return [...out];
}

/**
 * About how many members a port range holds: every media connection takes one port per host
 * address, and a member holds up to two connections (publishing and receiving).
 */
export function rangeCapacity(ports: number, hostAddressCount: number): number {
  return Math.floor(ports / (2 * Math.max(1, hostAddressCount)));
}

type BindOutcome = { socket: Socket } | { code: string };

function bindUdp(address: string, port: number): Promise<BindOutcome> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      resolve({ code: e.code ?? e.message });
    });
    socket.bind({ address, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({ socket });
    });
  });
}

/** Makes `socket` answer STUN binding requests with the sender's address (XOR-MAPPED-ADDRESS). */
function answerBindings(socket: Socket): void {
  socket.on('message', (buf, rinfo) => {
    const m = decodeStun(buf);
    if (!m || m.type !== STUN.bindingRequest || rinfo.family !== 'IPv4') return;
    socket.send(encodeStun(STUN.bindingSuccess, m.transactionId, [[ATTR.xorMappedAddress, xorAddressValue(rinfo.address, rinfo.port)]]), rinfo.port, rinfo.address);
  });
}

/** Sends binding requests to `host:port` (again every 200 ms) until an answer or the timeout; resolves to the RTT (ms) and mapped address. */
export function stunRoundTrip(host: string, port: number, timeoutMs: number): Promise<{ rttMs: number; mapped: string | undefined } | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const tx = transactionId();
    const request = encodeStun(STUN.bindingRequest, tx, []);
    const start = performance.now();
    const send = (): void => sock.send(request, port, host);
    const resend = setInterval(send, 200);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(r: { rttMs: number; mapped: string | undefined } | undefined): void {
      clearInterval(resend);
      clearTimeout(timer);
      sock.close();
      resolve(r);
    }
    sock.on('error', () => undefined);
    sock.on('message', (buf) => {
      const m = decodeStun(buf);
      if (m && m.type === STUN.bindingSuccess && m.transactionId.equals(tx)) finish({ rttMs: performance.now() - start, mapped: xorAddress(m, ATTR.xorMappedAddress) });
    });
    send();
  });
}

function bindFailure(code: string, bindAddress: string): string {
  if (code === 'EADDRNOTAVAIL') return `${bindAddress} is not an address of this machine`;
  if (code === 'EACCES') return 'permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE)';
  if (code === 'EADDRINUSE') return 'in use';
  return code;
}

/** The kernel's ephemeral port range, where sockets without a range land. */
function ephemeralRange(): string {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return `${lo}-${hi}`;
  } catch {
    return 'the ephemeral range';
  }
}

/** Binds the media ports as the server would and tries a UDP round trip via each media address. */
export async function checkMediaPorts(o: MediaPortOptions): Promise<Check[]> {
  const section = 'media';
  const checks: Check[] = [];
  const timeoutMs = o.timeoutMs ?? 1000;
  let responder: Socket | undefined;
  let responderNote = '';
  try {
    if (o.singlePort !== undefined) {
      const r = await bindUdp(o.bindAddress, o.singlePort);
      if ('socket' in r) {
        responder = r.socket;
        checks.push({ section, status: 'ok', text: `UDP ${o.bindAddress}:${o.singlePort} (single port for every media connection) can be bound` });
      } else if (r.code === 'EADDRINUSE' && o.serverRunning) {
        checks.push({ section, status: 'ok', text: `UDP ${o.singlePort} is in use by the running rtcroom server (single-port mode)` });
        responderNote = ' (on a free port: the server holds the single port)';
      } else {
        const why = r.code === 'EADDRINUSE' ? 'is in use by another program (no rtcroom server answers on the signaling port)' : `cannot be bound: ${bindFailure(r.code, o.bindAddress)}`;
        checks.push({ section, status: 'fail', text: `UDP ${o.bindAddress}:${o.singlePort} ${why}` });
      }
    } else if (o.range) {
      const [lo, hi] = o.range;
      const sample = samplePorts(lo, hi);
      const busy: number[] = [];
      const failed: string[] = [];
      for (const port of sample) {
        const r = await bindUdp(o.bindAddress, port);
        if ('socket' in r) {
          if (responder) r.socket.close();
          else responder = r.socket;
        } else if (r.code === 'EADDRINUSE') busy.push(port);
        else failed.push(bindFailure(r.code, o.bindAddress));
      }
      const size = hi - lo + 1;
      const what = `UDP ${lo}-${hi} on ${o.bindAddress} (${size} ports, room for about ${rangeCapacity(size, o.hostAddressCount)} members at ${2 * Math.max(1, o.hostAddressCount)} ports each)`;
      const tried = sample.length === size ? `all ${size} ports` : `${sample.length} ports spread over it`;
      if (failed.length) checks.push({ section, status: 'fail', text: `${what}: cannot bind: ${failed[0]}` });
      else if (busy.length === sample.length) {
        checks.push(
          o.serverRunning
            ? { section, status: 'warn', text: `${what}: every one of ${tried} is in use (by the running server's calls?): the range may be full` }
            : { section, status: 'fail', text: `${what}: every one of ${tried} is in use by other programs` },
        );
      } else if (busy.length) {
        checks.push(
          o.serverRunning
            ? { section, status: 'ok', text: `${what}: ${tried} tried, ${busy.length} in use (the running server's calls, presumably), the others bind` }
            : { section, status: 'warn', text: `${what}: ${tried} tried, ${busy.length} in use by other programs (${busy.slice(0, 5).join(', ')}${busy.length > 5 ? ', …' : ''})` },
        );
      } else checks.push({ section, status: 'ok', text: `${what}: ${tried} bind` });
    } else {
      checks.push({ section, status: 'ok', text: `no --rtc-ports or --rtc-port: media sockets take any free UDP port (${ephemeralRange()}); a firewall in front must let all of them in` });
    }
    if (!responder) {
      const r = await bindUdp(o.bindAddress, 0);
      if ('socket' in r) {
        responder = r.socket;
        if (!responderNote && (o.range || o.singlePort !== undefined)) responderNote = ' (on a free port outside the range)';
      } else {
        checks.push({ section, status: 'fail', text: `cannot bind any UDP socket on ${o.bindAddress}: ${bindFailure(r.code, o.bindAddress)}` });
        return checks;
      }
    }
    answerBindings(responder);
    const port = responder.address().port;
    if (o.roundTripTargets.length === 0) {
      checks.push({ section, status: 'warn', text: 'no non-loopback IPv4 address to try a UDP round trip on' });
    }
    for (const target of o.roundTripTargets) {
      const r = await stunRoundTrip(target, port, timeoutMs);
      checks.push(
        r
          ? { section, status: 'ok', text: `UDP round trip to ${target}:${port}${responderNote}: answered in ${r.rttMs.toFixed(1)} ms` }
          : { section, status: 'fail', text: `UDP round trip to ${target}:${port}${responderNote}: no answer in ${timeoutMs} ms (a local firewall dropping UDP?)` },
      );
    }
    if (o.announcedElsewhere) {
      const r = await stunRoundTrip(o.announcedElsewhere, port, timeoutMs);
      checks.push(
        r
          ? { section, status: 'ok', text: `UDP round trip to --announced-ip ${o.announcedElsewhere}:${port}: the NAT forwards it back here (${r.rttMs.toFixed(1)} ms)` }
          : {
              section,
              status: 'warn',
              text: `UDP round trip to --announced-ip ${o.announcedElsewhere}:${port}: no answer; inconclusive, as many NATs do not loop traffic from inside back in: try a call from another network`,
            },
      );
    }
    return checks;
  } finally {
    responder?.close();
  }
}
