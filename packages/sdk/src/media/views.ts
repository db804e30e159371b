/**
 * Adaptive stream: what the page shows of each remote video. Every `<rtc-room>` showing a remote
 * camera or screen is watched (its rendered size in device pixels, whether it is on screen, and
 * whether the page is visible); per `userId/source` the largest size and "any visible" are kept,
 * and changes are announced (debounced) so the server sends no larger layer than the page shows
 * and pauses video nobody can see. A video no element shows is not reported (no cap).
 * @module
 */

/** What the page shows of one remote video. */
export interface TrackView {
  userId: string;
  source: 'video' | 'screen';
  /** Largest rendered width of its elements, in device pixels. */
  width: number;
  /** Largest rendered height, in device pixels. */
  height: number;
  /** Whether any of its elements is on screen in a visible page. */
  visible: boolean;
}

interface Watched {
  key: string;
  width: number;
  height: number;
  intersecting: boolean;
}

/** How long changes are gathered before they are announced (ms). */
export const VIEW_DEBOUNCE_MS = 100;

/** The page-wide tracker (one per page). */
export class ViewTracker extends EventTarget {
  readonly #els = new Map<Element, Watched>();
  #resize: ResizeObserver | undefined;
  #intersect: IntersectionObserver | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last = new Map<string, string>();

  /** Watches `el` as showing `userId`'s `source` (replaces what it showed before). */
  watch(el: Element, userId: string, source: 'video' | 'screen'): void {
    if (typeof ResizeObserver === 'undefined' || typeof IntersectionObserver === 'undefined') return;
    this.#init();
    const key = `${userId}/${source}`;
    const w = this.#els.get(el);
    if (w?.key === key) return;
    if (w) {
      w.key = key;
    } else {
      const r = el.getBoundingClientRect();
      this.#els.set(el, { key, width: r.width, height: r.height, intersecting: true });
      this.#resize!.observe(el);
      this.#intersect!.observe(el);
    }
    this.#changed();
  }

  /** Stops watching `el`. */
  unwatch(el: Element): void {
    if (!this.#els.delete(el)) return;
    this.#resize?.unobserve(el);
    this.#intersect?.unobserve(el);
    this.#changed();
  }

  /** Every remote video some element shows, now. */
  views(): TrackView[] {
    const dpr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
    const by = new Map<string, TrackView>();
    for (const w of this.#els.values()) {
      const [userId, source] = splitKey(w.key);
      const v = by.get(w.key) ?? { userId, source, width: 0, height: 0, visible: false };
      v.width = Math.max(v.width, Math.round(w.width * dpr));
      v.height = Math.max(v.height, Math.round(w.height * dpr));
      v.visible ||= !hidden && w.intersecting && w.width > 0 && w.height > 0;
      by.set(w.key, v);
    }
    return [...by.values()];
  }

  /**
   * The views that changed since the last call (a view no element shows any more is reported
   * hidden once, then forgotten). `all`: every view, as after a (re)join.
   */
  takeChanges(all = false): TrackView[] {
    const now = this.views();
    const out: TrackView[] = [];
    const next = new Map<string, string>();
    for (const v of now) {
      const key = `${v.userId}/${v.source}`;
      const text = `${v.width}x${v.height}:${v.visible}`;
      next.set(key, text);
      if (all || this.#last.get(key) !== text) out.push(v);
    }
    for (const key of this.#last.keys()) {
      if (next.has(key)) continue;
      const [userId, source] = splitKey(key);
      out.push({ userId, source, width: 0, height: 0, visible: false });
    }
    this.#last = next;
    return out;
  }

  #init(): void {
    if (this.#resize) return;
    this.#resize = new ResizeObserver((entries) => {
      for (const e of entries) {
        const w = this.#els.get(e.target);
        if (!w) continue;
        w.width = e.contentRect.width;
        w.height = e.contentRect.height;
      }
      this.#changed();
    });
    this.#intersect = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const w = this.#els.get(e.target);
        if (w) w.intersecting = e.isIntersecting;
      }
      this.#changed();
    });
    document.addEventListener('visibilitychange', () => this.#changed());
  }

  #changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.dispatchEvent(new Event('change'));
    }, VIEW_DEBOUNCE_MS);
  }
}

function splitKey(key: string): [string, 'video' | 'screen'] {
  const i = key.lastIndexOf('/');
  return [key.slice(0, i), key.slice(i + 1) as 'video' | 'screen'];
}

/** The tracker of this page. */
export const views = new ViewTracker();
