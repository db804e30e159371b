/**
 * The server's Prometheus metrics (prom-client): rooms, members, publishers, sessions, media
 * objects and packet counters (per media worker when there are workers), signaling join
 * duration, webhook deliveries, and the default Node process metrics (CPU, memory, GC, event-loop
 * lag). Values are read at scrape time from their owners; nothing on the media path waits on it.
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MediaCounts } from '../media/metrics.ts';
import type { WorkerHealth } from '../workers/worker-pool.ts';
import type { ClusterView } from '../cluster/cluster.ts';
import { registerClusterGauges } from './cluster-gauges.ts';

/** Where the figures come from. */
export interface MetricsSources {
  rooms(): number;
  members(): number;
  /** Members publishing at least one stream. */
  publishers(): number;
  sessions(): number;
  /** This process's media counters (`--workers 1`). */
  media(): MediaCounts;
  /** With media workers: each worker's health and its last counters (undefined before its first report). */
  workers?: (() => { health: WorkerHealth; counts: MediaCounts | undefined }[]) | undefined;
  /** Cluster (`--redis`): the cluster as this node sees it, for the cluster-wide gauges. */
  cluster?: (() => ClusterView) | undefined;
}

/** The media counters exported as Prometheus counters: [metric name, help, key]. */
const MEDIA_COUNTERS: readonly [string, string, keyof MediaCounts][] = [
  ['rtcroom_forwarded_packets_total', 'RTP packets forwarded to subscribers.', 'forwarded'],
  ['rtcroom_forwarded_bytes_total', 'RTP payload bytes forwarded to subscribers.', 'forwardedBytes'],
  ['rtcroom_received_packets_total', 'RTP packets received from publishers (streams being forwarded).', 'received'],
  ['rtcroom_received_bytes_total', 'RTP payload bytes received from publishers (streams being forwarded).', 'receivedBytes'],
  ['rtcroom_received_packets_lost_total', "Packets missing from publishers' RTP sequences (gaps; a reordered packet counts as lost).", 'lost'],
  ['rtcroom_nack_packets_total', 'Packets subscribers asked for again in NACKs.', 'nacks'],
  ['rtcroom_retransmitted_packets_total', 'Packets retransmitted to subscribers after a NACK.', 'retransmitted'],
  ['rtcroom_pli_received_total', 'Keyframe requests (PLI) received from subscribers.', 'plisReceived'],
  ['rtcroom_pli_sent_total', 'Keyframe requests (PLI) sent to publishers, after throttling.', 'plisSent'],
  ['rtcroom_held_keyframe_starts_total', 'Video streams started on a keyframe held while the subscriber connection came up.', 'heldStarts'],
  ['rtcroom_layer_steps_down_total', "Step downs of subscribers' video to a lower simulcast layer (bandwidth or tile size).", 'layerStepsDown'],
  ['rtcroom_layer_steps_up_total', "Step ups of subscribers' video to a higher simulcast layer.", 'layerStepsUp'],
  ['rtcroom_bandwidth_pauses_total', "Subscribers' video paused because their estimated bandwidth could not carry its lowest layer (audio only).", 'bandwidthPauses'],
];

/** The media gauges: [metric name, help, key]. */
const MEDIA_GAUGES: readonly [string, string, keyof MediaCounts][] = [
  ['rtcroom_peer_connections', 'Open WebRTC peer connections (publisher and subscriber legs).', 'peers'],
  ['rtcroom_producers', 'Published tracks the server receives.', 'producers'],
  ['rtcroom_consumers', 'Tracks the server forwards to subscribers.', 'consumers'],
];

/** The server's metrics registry. */
export class ServerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  /** Signaling join duration: the join request read → its reply sent. */
  readonly joinDuration: Histogram<'result'>;
  /** Webhook deliveries by outcome: `ok`, `failed` (an attempt that failed; it may be retried), `gave_up`. */
  readonly webhookAttempts: Counter<'result'>;
  /** Webhook events dropped from a full queue (oldest first). */
  readonly webhookDropped: Counter;
  /** Webhook events waiting. */
  readonly webhookQueued: Gauge;

  constructor(src: MetricsSources) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) => new Gauge({ name, help, registers, collect: function (this: Gauge) { this.set(read()); } });
    gauge('rtcroom_rooms', 'Rooms with at least one member.', src.rooms);
    gauge('rtcroom_members', 'Members in rooms (visible or not, including members waiting to resume).', src.members);
    gauge('rtcroom_publishers', 'Members publishing at least one stream.', src.publishers);
    gauge('rtcroom_signaling_sessions', 'Open signaling WebSocket sessions.', src.sessions);
    const workers = src.workers;
    const labelNames = workers ? ['worker'] : [];
    /** Sets each worker's value (or this process's) on a labelled metric. */
    const each = (set: (labels: Record<string, string>, counts: MediaCounts) => void): void => {
      if (!workers) return set({}, src.media());
      for (const w of workers()) if (w.counts) set({ worker: String(w.health.index) }, w.counts);
    };
    for (const [name, help, key] of MEDIA_COUNTERS) {
      new Counter({
        name,
        help: workers ? `${help} Per media worker (a restarted worker starts again from 0).` : help,
        labelNames,
        registers,
        collect: function (this: Counter<string>) {
          this.reset();
          each((labels, c) => this.inc(labels, c[key]));
        },
      });
    }
    for (const [name, help, key] of MEDIA_GAUGES) {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect: function (this: Gauge<string>) {
          this.reset();
          each((labels, c) => this.set(labels, c[key]));
        },
      });
    }
    if (workers) this.#workerMetrics(workers);
    if (src.cluster) registerClusterGauges(this.registry, src.cluster);
    this.joinDuration = new Histogram({
      name: 'rtcroom_join_duration_seconds',
      help: 'Signaling joins (joinRtcRoom): from the request read to the reply sent, by result (ok, refused).',
      labelNames: ['result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.webhookAttempts = new Counter({ name: 'rtcroom_webhook_attempts_total', help: 'Webhook delivery attempts by result: ok, failed (will retry), gave_up (retries exhausted).', labelNames: ['result'], registers });
    this.webhookDropped = new Counter({ name: 'rtcroom_webhook_dropped_total', help: 'Webhook events dropped because a receiver queue was full (oldest dropped first).', registers });
    this.webhookQueued = new Gauge({ name: 'rtcroom_webhook_queued', help: 'Webhook events waiting for delivery.', registers });
    collectDefaultMetrics({ register: this.registry });
  }

  #workerMetrics(workers: NonNullable<MetricsSources['workers']>): void {
    const registers = [this.registry];
    const perWorker = (name: string, help: string, read: (h: WorkerHealth) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers,
        collect: function (this: Gauge<'worker'>) {
          this.reset();
          for (const w of workers()) this.set({ worker: String(w.health.index) }, read(w.health));
        },
      });
    perWorker('rtcroom_worker_up', 'Whether the media worker is ready (1) or starting/restarting (0).', (h) => (h.state === 'ready' ? 1 : 0));
    perWorker('rtcroom_worker_restarts', 'Times the media worker was restarted.', (h) => h.restarts);
    perWorker('rtcroom_worker_rooms', 'Rooms placed on the media worker.', (h) => h.rooms);
    perWorker('rtcroom_worker_members', 'Members of the rooms on the media worker.', (h) => h.members);
    perWorker('rtcroom_worker_event_loop_lag_seconds', "Lag of the media worker's event loop (its 1 s report timer's lateness).", (h) => h.loopLagMs / 1000);
    perWorker('rtcroom_worker_resident_memory_bytes', 'Resident memory of the media worker process.', (h) => h.rssBytes);
  }

  /** The text exposition and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
