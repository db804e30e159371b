/**
 * Cluster-wide gauges on `/metrics` of every cluster node (`--redis`): the live nodes, rooms and
 * members over the whole cluster, and each node's load as its Redis record reports it (renewed
 * every second). They are the same on every node; the process counters beside them stay per node
 * (Prometheus scrapes every node and sums those itself).
 * @module
 */
import { Gauge, type Registry } from 'prom-client';
import type { ClusterView } from '../cluster/cluster.ts';
import type { NodeRecord } from '../cluster/node-record.ts';

/** The gauges of one scrape share the view read at its start (ms). */
const SCRAPE_MS = 250;

/** Per-node gauges: [metric name, help, value]. */
const PER_NODE: readonly [string, string, (n: NodeRecord) => number][] = [
  ['rtcroom_cluster_node_rooms', 'Rooms held by each live cluster node (its record in Redis).', (n) => n.load.rooms],
  ['rtcroom_cluster_node_members', 'Members of the rooms of each live cluster node.', (n) => n.load.members],
  ['rtcroom_cluster_node_peer_connections', 'Media peer connections of each live cluster node.', (n) => n.load.peers],
  ['rtcroom_cluster_node_forwarded_packets_per_second', 'RTP packets/s forwarded by each live cluster node.', (n) => n.load.forwardedPps],
  ['rtcroom_cluster_node_cpu', 'CPU used by the server process of each live cluster node, in cores.', (n) => n.load.cpu],
  ['rtcroom_cluster_node_sysload', '1-minute load average per core of the machine of each live cluster node.', (n) => n.load.sysload],
  ['rtcroom_cluster_node_draining', 'Whether each live cluster node is draining (1) or takes new rooms (0).', (n) => (n.draining ? 1 : 0)],
];

/** Cluster totals: [metric name, help, key of the view's totals]. */
const TOTALS: readonly [string, string, keyof ClusterView['totals']][] = [
  ['rtcroom_cluster_nodes', 'Live nodes of the cluster (records in Redis under a lease).', 'nodes'],
  ['rtcroom_cluster_rooms', 'Rooms over every live cluster node.', 'rooms'],
  ['rtcroom_cluster_members', 'Members over every live cluster node.', 'members'],
];

/** Registers the cluster gauges on `registry`, read from `view` at scrape time. */
export function registerClusterGauges(registry: Registry, read: () => ClusterView): void {
  const registers = [registry];
  // one view for all the gauges of a scrape
  let cached: { at: number; view: ClusterView } | undefined;
  const view = (): ClusterView => {
    const now = performance.now();
    if (!cached || now - cached.at > SCRAPE_MS) cached = { at: now, view: read() };
    return cached.view;
  };
  for (const [name, help, key] of TOTALS) new Gauge({ name, help, registers, collect: function (this: Gauge) { this.set(view().totals[key]); } });
  new Gauge({ name: 'rtcroom_cluster_redis_up', help: 'Whether this node reaches Redis (1) or not (0; the cluster figures are then as of the last renewal).', registers, collect: function (this: Gauge) { this.set(view().redis === 'ready' ? 1 : 0); } });
  for (const [name, help, read] of PER_NODE) {
    new Gauge({
      name,
      help,
      labelNames: ['node'],
      registers,
      collect: function (this: Gauge<'node'>) {
        this.reset();
        for (const n of view().nodes) this.set({ node: n.id }, read(n));
      },
    });
  }
}

