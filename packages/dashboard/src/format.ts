/**
 * How the dashboard writes figures: bitrates, loss, durations, voice levels, usage windows.
 * Pure functions (unit-tested beside).
 * @module
 */

/** A bitrate in kbit/s as people read it: `0`, `850 kbps`, `1.25 Mbps`. */
export function formatKbps(kbps: number): string {
  if (!Number.isFinite(kbps) || kbps <= 0) return '0';
  if (kbps < 10) return `${kbps.toFixed(1)} kbps`;
  if (kbps < 1000) return `${Math.round(kbps)} kbps`;
  return `${(kbps / 1000).toFixed(2)} Mbps`;
}

/** Loss in percent, one decimal at most: `0%`, `2.5%`. */
export function formatLoss(percent: number): string {
  if (!Number.isFinite(percent) || percent <= 0) return '0%';
  return `${Math.round(percent * 10) / 10}%`;
}

/** How worrying a loss is: under 1 % fine, under 5 % noticeable, more bad. */
export function lossLevel(percent: number): 'ok' | 'warn' | 'bad' {
  if (percent < 1) return 'ok';
  return percent < 5 ? 'warn' : 'bad';
}

/** Time since `sinceMs` until `nowMs`: `42 s`, `3 min 05 s`, `1 h 02 min`, `2 d 3 h`. */
export function formatDuration(sinceMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${two(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${two(Math.floor((s % 3600) / 60))} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/**
 * How loud a voice is, 0–1, from its RFC 6464 level (-dBov: 0 loudest … 127 silence). Speech sits
 * around 20–50 -dBov; 80 and below counts as silence.
 */
export function loudness(level: number): number {
  return Math.max(0, Math.min(1, 1 - level / 80));
}

/** Minutes with at most one decimal (`0`, `12.5`, `1,234`). */
export function formatMinutes(minutes: number): string {
  return (Math.round(minutes * 10) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** The usage windows the dashboard offers. */
export const USAGE_WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
/** One of {@link USAGE_WINDOWS}. */
export type UsageWindow = keyof typeof USAGE_WINDOWS;

/** The `from` and `to` query of a usage window ending at `nowMs`. */
export function usageQuery(window: UsageWindow, nowMs: number): string {
  const to = new Date(nowMs);
  const from = new Date(nowMs - USAGE_WINDOWS[window]);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}
