import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { classifyAddress, interfaceChecks, localAddresses, mediaAddresses } from './addresses.ts';

test('IPv4 and IPv6 addresses are classified by their blocks, edges included', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.1.20', 'private'],
    ['100.63.255.255', 'public'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.0', 'public'],
    ['169.254.10.1', 'link-local'],
    ['192.0.2.2', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00::2', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['2001:db8::1', 'documentation'],
    ['2a00:1450::1', 'public'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.4.4', 'public'],
    ['100::1', 'reserved'],
  ];
  for (const [ip, kind] of cases) assert.equal(classifyAddress(ip), kind, ip);
  assert.throws(() => classifyAddress('example.com'), /not an IP address/);
});

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const HOST = localAddresses({
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('10.0.0.5', 'IPv4'), iface('fe80::1', 'IPv6')],
  eth1: [iface('169.254.3.3', 'IPv4')],
});

test('media addresses: --rtc-ip alone, else every IPv4 address but loopback and link-local', () => {
  assert.deepEqual(mediaAddresses(HOST, undefined), ['10.0.0.5']);
  assert.deepEqual(mediaAddresses(HOST, '0.0.0.0'), ['10.0.0.5']);
  assert.deepEqual(mediaAddresses(HOST, '127.0.0.1'), ['127.0.0.1']);
});

test('interface checks: one line per address; no public IPv4 without --announced-ip warns; a foreign announced IP is normal behind NAT', () => {
  const plain = interfaceChecks(HOST, { rtcIp: undefined, announcedIp: undefined });
  assert.equal(plain.filter((c) => c.status === 'ok').length, 5);
  assert.match(plain[1]!.text, /^lo ::1: loopback: this machine only; media uses IPv4 only$/);
  assert.match(plain[2]!.text, /^eth0 10\.0\.0\.5: private \(RFC 1918\)/);
  assert.deepEqual(
    plain.filter((c) => c.status !== 'ok').map((c) => [c.status, c.text.slice(0, 40)]),
    [['warn', 'no public IPv4 address on this machine a']],
  );
  const natted = interfaceChecks(HOST, { rtcIp: '10.0.0.5', announcedIp: '8.8.8.8' });
  const extra = natted.slice(5);
  assert.deepEqual(
    extra.map((c) => c.status),
    ['ok', 'ok'],
  );
  assert.match(extra[0]!.text, /^--rtc-ip 10\.0\.0\.5: media sockets bind to this address only/);
  assert.match(extra[1]!.text, /^--announced-ip 8\.8\.8\.8 is not an address of this machine: normal behind a 1:1 NAT/);
  const wrong = interfaceChecks(HOST, { rtcIp: '10.9.9.9', announcedIp: '192.168.0.1' }).slice(5);
  assert.deepEqual(
    wrong.map((c) => c.status),
    ['fail', 'ok', 'warn'],
  );
  assert.match(wrong[0]!.text, /--rtc-ip 10\.9\.9\.9 is not an address of this machine/);
  assert.match(wrong[2]!.text, /--announced-ip 192\.168\.0\.1 is not public \(private/);
  const publicHost = localAddresses({ eth0: [iface('8.8.8.8', 'IPv4')] });
  assert.deepEqual(interfaceChecks(publicHost, { rtcIp: undefined, announcedIp: undefined }).map((c) => c.status), ['ok']);
});
