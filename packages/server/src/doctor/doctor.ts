/**
 * `rtcroom doctor`: runs the interface, signaling, media and TURN checks in that order with the
 * network settings `rtcroom serve` would get, and returns the report's lines.
 * @module
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { interfaceChecks, localAddresses, mediaAddresses } from './addresses.ts';
import { checkIceServers } from './ice-servers.ts';
import { checkMediaPorts } from './media-ports.ts';
import type { Check } from './report.ts';
import { checkSignaling } from './signaling.ts';
import { checkRedis } from './redis.ts';

/** The network settings to check (the `serve` flags of the same names). */
export interface DoctorOptions {
  /** `--host` (default 127.0.0.1). */
  host: string;
  /** `--port` (default 7880). */
  port: number;
  /** `--rtc-ip`. */
  rtcIp: string | undefined;
  /** `--announced-ip`. */
  announcedIp: string | undefined;
  /** `--rtc-ports`. */
  rtcPorts: [number, number] | undefined;
  /** `--rtc-port` (single UDP port mode). */
  rtcPort: number | undefined;
  /** `--turn-urls`, parsed. */
  turnUrls: readonly string[];
  /** `--turn-secret` / `RTCROOM_TURN_SECRET`. */
  turnSecret: string | undefined;
  /** `--insecure-tls`: accept TURN TLS certificates that do not verify. */
  insecureTls: boolean;
  /** `--redis`: the cluster's Redis to check. */
  redis?: string | undefined;
  /** The machine's interfaces (default `os.networkInterfaces()`; tests pass their own). */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Runs every check; never throws for what it finds (that goes into the lines). */
export async function runDoctor(o: DoctorOptions): Promise<Check[]> {
  const addresses = localAddresses(o.interfaces ?? networkInterfaces());
  const own = new Set(addresses.map((a) => a.address));
  const checks = interfaceChecks(addresses, { rtcIp: o.rtcIp, announcedIp: o.announcedIp });
  const signaling = await checkSignaling(o.host, o.port);
  checks.push(...signaling.checks);
  const media = mediaAddresses(addresses, o.rtcIp);
  const announcedElsewhere = o.announcedIp && !own.has(o.announcedIp) ? o.announcedIp : undefined;
  // werift opens one socket per host address: the media addresses plus an announced one it does not have
  const hostAddressCount = media.length + (o.announcedIp && !media.includes(o.announcedIp) ? 1 : 0);
  checks.push(
    ...(await checkMediaPorts({
      bindAddress: o.rtcIp ?? '0.0.0.0',
      range: o.rtcPorts,
      singlePort: o.rtcPort,
      serverRunning: signaling.serverRunning,
      roundTripTargets: media.filter((a) => own.has(a)),
      announcedElsewhere,
      hostAddressCount,
    })),
  );
  const peers = [...new Set([...media, ...(o.announcedIp ? [o.announcedIp] : [])])];
  checks.push(
    ...(await checkIceServers({
      urls: o.turnUrls,
      secret: o.turnSecret,
      insecureTls: o.insecureTls,
      mediaPeers: peers,
      announcedIp: o.announcedIp,
      localAddresses: own,
    })),
  );
  if (o.redis) checks.push(...(await checkRedis(o.redis)));
  return checks;
}
