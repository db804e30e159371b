/**
 * A small SVG line of recent values (a member's bitrate over the last 30 seconds).
 * @module
 */

/**
 * The `points` of an SVG polyline drawing `values` in a `width` × `height` box: the last value at
 * the right edge, one step per sample over `slots` steps, the top at the largest value (at least
 * `floor`, so a flat low line is not drawn as a full-height one). Empty with no values.
 */
export function sparkPoints(values: readonly number[], width: number, height: number, slots: number, floor = 1): string {
  if (values.length === 0) return '';
  const max = Math.max(floor, ...values);
  const step = width / Math.max(1, slots - 1);
  const x0 = width - (values.length - 1) * step;
  const r = (n: number) => Math.round(n * 10) / 10;
  return values.map((v, i) => `${r(x0 + i * step)},${r(height - (Math.max(0, v) / max) * height)}`).join(' ');
}

const SVG = 'http://www.w3.org/2000/svg';

/** Samples a sparkline spans (one per poll: 30 s at 1.5 s). */
export const SPARK_SLOTS = 20;

/** An SVG sparkline element; `update` redraws it. */
export function sparkline(width = 90, height = 20, slots = SPARK_SLOTS): { el: SVGSVGElement; update(values: readonly number[]): void } {
  const el = document.createElementNS(SVG, 'svg');
  el.setAttribute('class', 'spark');
  el.setAttribute('width', String(width));
  el.setAttribute('height', String(height));
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  el.setAttribute('aria-hidden', 'true');
  // the baseline shows the whole span while the line is still short
  const base = document.createElementNS(SVG, 'line');
  base.setAttribute('class', 'base');
  for (const [k, v] of [['x1', 0], ['x2', width], ['y1', height - 0.5], ['y2', height - 0.5]] as const) base.setAttribute(k, String(v));
  const line = document.createElementNS(SVG, 'polyline');
  el.append(base, line);
  return { el, update: (values) => line.setAttribute('points', sparkPoints(values, width, height - 1, slots)) };
}
