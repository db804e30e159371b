/**
 * What kind of address an IP is (loopback, private, CGNAT, link-local, public, …) and the
 * doctor's checks of this machine's interfaces against `--rtc-ip` and `--announced-ip`.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import type { Check } from './report.ts';

/** The kinds of address that matter for who can reach media sent to it. */
export type AddressKind = 'loopback' | 'private' | 'cgnat' | 'link-local' | 'unique-local' | 'documentation' | 'multicast' | 'unspecified' | 'reserved' | 'public';

/** IPv4 blocks that are not public, most specific first where they overlap (RFC 6890 and others). */
const IPV4_BLOCKS: readonly [string, number, AddressKind][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** The 16 bytes of an IPv6 address (`::` expanded; an embedded IPv4 tail allowed). */
function ipv6Bytes(ip: string): number[] {
  let text = ip.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Number(v4[1]!);
    text = `${text.slice(0, v4.index)}${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const words = (s: string): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >> 8, w & 255]);
}

/**
 * Classifies an IPv4 or IPv6 address. Anything not loopback, private (RFC 1918, IPv6 unique
 * local fc00::/7), CGNAT (100.64.0.0/10), link-local, documentation, multicast, unspecified or
 * otherwise reserved counts as public.
 * @throws Error when `ip` is not an IP address
 */
export function classifyAddress(ip: string): AddressKind {
  if (isIPv4(ip)) {
    const n = ipv4Number(ip);
    for (const [base, bits, kind] of IPV4_BLOCKS) {
      const size = 2 ** (32 - bits);
      const start = ipv4Number(base);
      if (n >= start && n < start + size) return kind;
    }
    return 'public';
  }
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const b = ipv6Bytes(ip);
  const zeroPrefix = (k: number): boolean => b.slice(0, k).every((x) => x === 0);
  if (zeroPrefix(15) && b[15] === 1) return 'loopback';
  if (zeroPrefix(16)) return 'unspecified';
  if (zeroPrefix(10) && b[10] === 255 && b[11] === 255) return classifyAddress(b.slice(12).join('.'));
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local';
  if ((b[0]! & 0xfe) === 0xfc) return 'unique-local';
  if (b[0] === 0xff) return 'multicast';
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'documentation';
  if ((b[0]! & 0xe0) === 0x20) return 'public';
  return 'reserved';
}

/** A short explanation of an address kind for the report. */
export function describeKind(kind: AddressKind): string {
  switch (kind) {
    case 'loopback':
      return 'loopback: this machine only';
    case 'private':
      return 'private (RFC 1918): reachable inside its network only';
    case 'cgnat':
      return "CGNAT (100.64.0.0/10): behind the provider's NAT, not reachable from the internet";
    case 'link-local':
      return 'link-local: this network segment only';
    case 'unique-local':
      return 'unique local (fc00::/7): reachable inside its network only';
    case 'documentation':
      return 'documentation range (RFC 5737/3849): not routed on the internet';
    case 'multicast':
      return 'multicast';
    case 'unspecified':
      return 'unspecified';
    case 'reserved':
      return 'reserved: not routed on the internet';
    case 'public':
      return 'public';
  }
}

/** One address of this machine. */
export interface LocalAddress {
  interfaceName: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  kind: AddressKind;
}

/** The machine's addresses (from `os.networkInterfaces()`), classified. */
export function localAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const family = info.family === 'IPv4' ? 'IPv4' : 'IPv6';
      out.push({ interfaceName: name, address: info.address, family, kind: classifyAddress(info.address) });
    }
  }
  return out;
}

/**
 * IPv4 addresses the media sockets answer on, as werift gathers them: `--rtc-ip` when it names one
 * address, else every IPv4 address of the machine but loopback and link-local ones.
 */
export function mediaAddresses(addresses: readonly LocalAddress[], rtcIp: string | undefined): string[] {
  if (rtcIp && rtcIp !== '0.0.0.0') return [rtcIp];
  return addresses.filter((a) => a.family === 'IPv4' && a.kind !== 'loopback' && a.kind !== 'link-local').map((a) => a.address);
}

/**
 * The interface checks: one line per address, then what `--rtc-ip` and `--announced-ip` mean
 * for clients outside this machine's networks.
 */
export function interfaceChecks(addresses: readonly LocalAddress[], o: { rtcIp: string | undefined; announcedIp: string | undefined }): Check[] {
  const section = 'interfaces';
  const checks: Check[] = [];
  for (const a of addresses) {
    const note = a.family === 'IPv6' ? '; media uses IPv4 only' : '';
    checks.push({ section, status: 'ok', text: `${a.interfaceName} ${a.address}: ${describeKind(a.kind)}${note}` });
  }
  const own = new Set(addresses.map((a) => a.address));
  const hasPublicV4 = addresses.some((a) => a.family === 'IPv4' && a.kind === 'public');
  if (o.rtcIp && o.rtcIp !== '0.0.0.0') {
    const kind = classifyAddress(o.rtcIp);
    if (!own.has(o.rtcIp)) checks.push({ section, status: 'fail', text: `--rtc-ip ${o.rtcIp} is not an address of this machine: media sockets cannot bind to it` });
    else if (kind === 'loopback') checks.push({ section, status: 'warn', text: `--rtc-ip ${o.rtcIp} is loopback: only clients on this machine can send media` });
    else checks.push({ section, status: 'ok', text: `--rtc-ip ${o.rtcIp}: media sockets bind to this address only (${describeKind(kind)})` });
  }
  if (o.announcedIp) {
    const kind = classifyAddress(o.announcedIp);
    if (own.has(o.announcedIp)) {
      checks.push({ section, status: 'ok', text: `--announced-ip ${o.announcedIp} is an address of this machine (${describeKind(kind)})` });
    } else {
      checks.push({
        section,
        status: 'ok',
        text: `--announced-ip ${o.announcedIp} is not an address of this machine: normal behind a 1:1 NAT (cloud public IP, port forwarding), which must forward the media UDP ports here`,
      });
    }
    if (kind !== 'public') checks.push({ section, status: 'warn', text: `--announced-ip ${o.announcedIp} is not public (${describeKind(kind)}): clients outside that network cannot reach it` });
  } else if (!hasPublicV4) {
    checks.push({
      section,
      status: 'warn',
      text: 'no public IPv4 address on this machine and no --announced-ip: clients outside these networks cannot reach media directly (announce the public IP with --announced-ip, or relay through TURN)',
    });
  }
  return checks;
}
