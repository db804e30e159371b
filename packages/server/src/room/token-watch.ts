/**
 * Watches one member's token: warns `leadMs` before the first expiry, ends the membership when
 * the token expires, and revokes publishing or subscribing when only that privilege expires.
 * One timer per member, set for the next due event.
 * @module
 */
import type { MemberGrants } from './member.ts';

/** What the watch reports. */
export interface TokenWatchEvents {
  /** The earliest expiry (Unix s) is `leadMs` away. */
  willExpire(expireAt: number): void;
  /** The token expired: the member must leave. */
  expired(): void;
  /** The publish privilege expired before the token. */
  publishExpired(): void;
  /** The subscribe privilege expired before the token. */
  subscribeExpired(): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds (epoch) at which a Unix-second expiry takes effect (valid through that second). */
export function expiryMs(expireAt: number): number {
  return (expireAt + 1) * 1000;
}

/** The timers of one member's token. */
export class TokenWatch {
  readonly #grants: () => MemberGrants;
  readonly #leadMs: number;
  readonly #events: TokenWatchEvents;
  #timer: NodeJS.Timeout | undefined;
  #warnedFor = -1;
  #done = { publish: false, subscribe: false };
  #stopped = false;

  constructor(grants: () => MemberGrants, leadMs: number, events: TokenWatchEvents) {
    this.#grants = grants;
    this.#leadMs = leadMs;
    this.#events = events;
    this.schedule();
  }

  /** The earliest nonzero expiry among the token and its granted privileges (0 = none). */
  earliest(): number {
    const g = this.#grants();
    const all = [g.tokenExpireAt, g.publishExpireAt ?? 0, g.subscribeExpireAt ?? 0].filter((e) => e > 0);
    return all.length ? Math.min(...all) : 0;
  }

  /** The expiry (Unix s) already inside the warning lead time at `now`, if any (to warn a resumed session again). */
  warningDue(now = Date.now()): number | undefined {
    const first = this.earliest();
    return first > 0 && expiryMs(first) - this.#leadMs <= now ? first : undefined;
  }

  /** Re-plans after the grants changed (`updateToken`). */
  renewed(): void {
    this.#done = { publish: false, subscribe: false };
    this.schedule();
  }

  /** Plans the next timer; runs whatever is due now. */
  schedule(now = Date.now()): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const g = this.#grants();
    const due: number[] = [];
    const first = this.earliest();
    if (first > 0 && this.#warnedFor !== first) {
      const at = expiryMs(first) - this.#leadMs;
      if (at <= now) {
        this.#warnedFor = first;
        this.#events.willExpire(first);
      } else due.push(at);
    }
    if (g.tokenExpireAt > 0) {
      const at = expiryMs(g.tokenExpireAt);
      if (at <= now) {
        this.stop();
        this.#events.expired();
        return;
      }
      due.push(at);
    }
    const lapse = (exp: number | undefined, kind: 'publish' | 'subscribe') => {
      if (!exp || this.#done[kind] || (g.tokenExpireAt > 0 && exp >= g.tokenExpireAt)) return;
      const at = expiryMs(exp);
      if (at > now) return void due.push(at);
      this.#done[kind] = true;
      if (kind === 'publish') this.#events.publishExpired();
      else this.#events.subscribeExpired();
    };
    lapse(g.publishExpireAt, 'publish');
    lapse(g.subscribeExpireAt, 'subscribe');
    if (!due.length || this.#stopped) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...due) - now));
    this.#timer = setTimeout(() => this.schedule(), wait);
    this.#timer.unref();
  }

  /** Cancels every timer (the member left). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
