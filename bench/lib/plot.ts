// A dependency-free SVG line chart (categorical x axis), for BENCHMARKS.md.

/** One line of a chart. */
export interface Series {
  name: string;
  /** y per x label; missing points are skipped. */
  points: Map<string, number>;
}

const COLORS = ['#1664ff', '#e0334c', '#19a05a', '#b26a00', '#7a3fd1'];

/** Renders `series` over the categories `xs` as an SVG document. */
export function lineChart(title: string, xLabel: string, yLabel: string, xs: readonly string[], series: readonly Series[], width = 640, height = 340): string {
  const m = { l: 64, r: 150, t: 36, b: 48 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const ys = series.flatMap((s) => [...s.points.values()]).filter(Number.isFinite);
  const yMax = niceMax(Math.max(1e-9, ...ys));
  // a log scale when the values span more than 20× (per-packet costs at N = 1 dwarf the rest)
  const positive = ys.filter((v) => v > 0);
  const yMin = positive.length ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 0;
  const log = positive.length === ys.length && yMin > 0 && yMax / Math.min(...positive) > 20;
  const x = (i: number) => m.l + (xs.length === 1 ? w / 2 : (i * w) / (xs.length - 1));
  const y = (v: number) => (log ? m.t + h - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * h : m.t + h - (v / yMax) * h);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${m.l}" y="20" font-size="14" font-weight="600">${esc(title)}</text>`,
  ];
  const ticks = log ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, k) => yMin * 10 ** k).filter((v) => v <= yMax) : [0, 1, 2, 3, 4].map((k) => (yMax * k) / 4);
  for (const v of ticks) {
    out.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end" fill="#555">${+v.toPrecision(3)}</text>`);
  }
  xs.forEach((label, i) => out.push(`<text x="${x(i)}" y="${m.t + h + 18}" text-anchor="middle" fill="#555">${esc(label)}</text>`));
  out.push(`<text x="${m.l + w / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.t + h / 2}) rotate(-90)" text-anchor="middle">${esc(log ? `${yLabel} (log scale)` : yLabel)}</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const pts = xs.flatMap((label, i) => (s.points.has(label) && Number.isFinite(s.points.get(label)) ? [`${x(i)},${y(s.points.get(label)!)}`] : []));
    if (pts.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
    }
    out.push(`<rect x="${m.l + w + 16}" y="${m.t + k * 20}" width="12" height="3" fill="${color}"/>`);
    out.push(`<text x="${m.l + w + 34}" y="${m.t + k * 20 + 5}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}
