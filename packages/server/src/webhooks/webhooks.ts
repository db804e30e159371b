/**
 * Webhooks: every room activity event (`events.ts`) is POSTed as JSON to each `--webhook-url`,
 * signed with the admin key (`signature.ts`), in order per room and retried with back-off
 * (`dispatcher.ts`); outcomes are counted in metrics and logged.
 * @module
 */
import type { Logger } from '../log.ts';
import type { RoomActivity } from '../ops/room-activity.ts';
import type { ServerMetrics } from '../metrics/prometheus.ts';
import { Dispatcher, type Delivery, type DispatchOptions, type SendFn } from './dispatcher.ts';
import { webhookEvents, type WebhookBody } from './events.ts';
import { SIGNATURE_HEADER, signBody } from './signature.ts';

/** Webhook settings. */
export interface WebhookConfig extends DispatchOptions {
  /** Receivers (http: or https:). Empty: webhooks are off. */
  urls: string[];
  /** A request that takes longer is aborted and counts as failed (ms). */
  timeoutMs: number;
}

/** Defaults: 5 s timeout; 1 s, 2 s, 4 s … up to 60 s between attempts, 12 attempts (about 7 minutes); 10 000 waiting events per receiver. */
export const DEFAULT_WEBHOOKS: WebhookConfig = { urls: [], timeoutMs: 5000, baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 12, queueLimit: 10_000 };

/** A POST of `d` to `url`, signed; never throws. */
function poster(url: string, key: string, timeoutMs: number): SendFn {
  return async (d) => {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'rtcroom-webhooks/1',
          [SIGNATURE_HEADER]: signBody(d.body, key),
          'x-rtcroom-event-id': d.id,
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await r.body?.cancel().catch(() => undefined);
      return { ok: r.status >= 200 && r.status < 300, detail: `HTTP ${r.status}` };
    } catch (e) {
      const err = e as Error;
      return { ok: false, detail: err.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` };
    }
  };
}

/** Sends the webhooks of a server. */
export class Webhooks {
  readonly #dispatchers: { url: string; d: Dispatcher }[];
  readonly #metrics: ServerMetrics;
  readonly #log: Logger;

  constructor(config: WebhookConfig, key: string, activity: RoomActivity, metrics: ServerMetrics, log: Logger) {
    this.#metrics = metrics;
    this.#log = log;
    this.#dispatchers = config.urls.map((url) => ({
      url,
      d: new Dispatcher(poster(url, key, config.timeoutMs), config, {
        attempt: (result, d, detail, attempts) => {
          metrics.webhookAttempts.inc({ result });
          if (result === 'failed') log.debug('webhook attempt failed, will retry', { url, eventId: d.id, detail, attempts });
          if (result === 'gave_up') log.warn('webhook given up', { url, eventId: d.id, detail, attempts });
        },
        dropped: (d) => {
          metrics.webhookDropped.inc();
          log.warn('webhook dropped: the receiver queue is full', { url, eventId: d.id, limit: config.queueLimit });
        },
        queued: (delta) => metrics.webhookQueued.inc(delta),
      }),
    }));
    if (this.#dispatchers.length > 0) webhookEvents(activity, (b) => this.#emit(b));
  }

  #emit(b: WebhookBody): void {
    const d: Delivery = { id: b.id, roomKey: `${b.appId}\u0000${b.roomId}`, body: JSON.stringify(b) };
    for (const { d: dispatcher } of this.#dispatchers) dispatcher.enqueue(d);
  }

  /**
   * Stops delivering (server shutdown), after up to `graceMs` for what is queued (the leaves and
   * room ends of the shutdown itself); what is still undelivered is logged.
   */
  async close(graceMs = 0): Promise<void> {
    const until = performance.now() + graceMs;
    while (performance.now() < until && this.#dispatchers.some(({ d }) => d.backlog > 0)) await new Promise((r) => setTimeout(r, 25));
    for (const { url, d } of this.#dispatchers) {
      const left = d.close();
      if (left > 0) this.#log.warn('webhooks not delivered at shutdown', { url, events: left });
    }
    this.#metrics.webhookQueued.set(0);
  }
}
