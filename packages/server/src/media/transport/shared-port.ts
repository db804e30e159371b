/**
 * Single-port mode's lifetime: binds the shared UDP socket (and ICE-TCP listener) when the
 * server starts, reports them in `/healthz`, closes them when it stops.
 * @module
 */
import type { Logger } from '../../log.ts';
import type { MediaNetwork } from '../codecs.ts';
import type { SharedPort } from '../werift-adapter.ts';
import { TcpMux, type TcpMuxStats } from './tcp-mux.ts';
import { UdpMux, type UdpMuxStats } from './udp-mux.ts';

/** How media reaches the server, as `/healthz` shows it. */
export type MediaPorts =
  | {
      mode: 'single-port';
      /** The one UDP port of every connection. */
      udpPort: number;
      /** The one ICE-TCP port, when ICE over TCP is on. */
      tcpPort: number | undefined;
      /** The UDP demultiplexer: table sizes, datagrams received and dropped. */
      demux: UdpMuxStats;
      /** The ICE-TCP listener's connections. */
      tcp: TcpMuxStats | undefined;
    }
  | {
      mode: 'per-connection';
      /** The range each connection's socket is bound in, or `any` free port. */
      udpPorts: [number, number] | 'any';
    };

/**
 * Binds the shared sockets of `net.singlePort` (on `net.iceAddress`, or every interface) and
 * returns `net` with them; `net` unchanged without single-port mode. Rejects when a port is taken.
 */
export async function bindSharedPort(net: MediaNetwork, log: Logger): Promise<MediaNetwork> {
  if (!net.singlePort) return net;
  const address = net.iceAddress ?? '0.0.0.0';
  const udp = await UdpMux.bind({ port: net.singlePort.port, address, onError: (message, err) => log.debug(message, { err }) });
  let tcp: TcpMux | undefined;
  if (net.singlePort.tcp) {
    try {
      tcp = await TcpMux.listen({ port: net.singlePort.port, address, table: udp.table });
    } catch (e) {
      await udp.close();
      throw e;
    }
  }
  log.info('media on one port', { address, udpPort: udp.port, tcpPort: tcp?.port });
  const shared: SharedPort = { udp, tcp };
  return { ...net, shared };
}

/** Closes the shared sockets, if any. */
export async function closeSharedPort(net: MediaNetwork): Promise<void> {
  await Promise.all([net.shared?.udp.close(), net.shared?.tcp?.close()]);
}

/** The media ports of `net`, for `/healthz`. */
export function mediaPorts(net: MediaNetwork): MediaPorts {
  const shared = net.shared;
  if (!shared) return { mode: 'per-connection', udpPorts: net.portRange ?? 'any' };
  return { mode: 'single-port', udpPort: shared.udp.port, tcpPort: shared.tcp?.port, demux: shared.udp.stats(), tcp: shared.tcp?.stats() };
}
