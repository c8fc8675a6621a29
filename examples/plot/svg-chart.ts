// A line chart as an SVG string, written by hand: a title, time on x, values on y with "nice"
// ticks (1, 2, 5 x 10^k), grid lines, one coloured line per series and a legend. No dependency,
// so the picture looks the same wherever the example runs.
export interface ChartSeries {
  readonly label: string;
  /** t in ms since the epoch; null leaves a gap. */
  readonly points: readonly { readonly t: number; readonly v: number | null }[];
}

export interface Chart {
  readonly title: string;
  readonly subtitle?: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

// Colour-blind-friendly palette (Okabe-Ito), then repeats.
const COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Ticks at a 1/2/5 x 10^k spacing covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((s) => s * 1000);

function timeTicks(from: number, to: number, count = 6): number[] {
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toPrecision(4));
}

const hhmmss = (t: number) => new Date(t).toISOString().slice(11, 19);

export function renderChart(chart: Chart): string {
  const W = chart.width ?? 900;
  const H = chart.height ?? 480;
  const legendW = 220;
  const m = { left: 80, right: legendW + 20, top: chart.subtitle ? 70 : 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = chart.series.flatMap((s) => s.points);
  const values = all.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
  const tMin = all.length ? Math.min(...all.map((p) => p.t)) : Date.now() - 60_000;
  const tMax = Math.max(...all.map((p) => p.t), tMin + 1000);
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(...values, 0) || 1);
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1];
  const x = (t: number) => m.left + ((t - tMin) / (tMax - tMin)) * pw;
  const y = (v: number) => m.top + ph - ((v - yMin) / (yMax - yMin)) * ph;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2 - legendW / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold" fill="#222">${esc(chart.title)}</text>`);
  if (chart.subtitle) out.push(`<text x="${W / 2 - legendW / 2}" y="50" text-anchor="middle" font-size="13" fill="#555">${esc(chart.subtitle)}</text>`);
  // Grid and y ticks.
  for (const v of yTicks) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#333">${formatValue(v)}</text>`);
  }
  for (const t of timeTicks(tMin, tMax)) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle" font-size="12" fill="#333">${hhmmss(t)}</text>`);
  }
  // Axes and their labels.
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 15}" text-anchor="middle" font-size="13" fill="#333">time (UTC)</text>`);
  out.push(`<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#333">${esc(chart.yLabel)}</text>`);
  // One line per series; a lone point (or a short series) gets dots so it stays visible.
  const legendRows = Math.floor((ph - 10) / 20);
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const runs: string[][] = [[]];
    for (const p of s.points) {
      if (p.v === null || !Number.isFinite(p.v)) runs.push([]);
      else runs[runs.length - 1].push(`${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    }
    for (const run of runs.filter((r) => r.length > 1)) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${run.join(" ")}"/>`);
    if (s.points.length <= 60) for (const pt of runs.flat()) out.push(`<circle cx="${pt.split(",")[0]}" cy="${pt.split(",")[1]}" r="2.5" fill="${color}"/>`);
    if (i >= legendRows) return;
    const ly = m.top + 10 + i * 20;
    out.push(`<line x1="${W - legendW}" x2="${W - legendW + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${W - legendW + 30}" y="${ly + 4}" font-size="12" fill="#222">${esc(s.label.length > 30 ? s.label.slice(0, 29) + "…" : s.label)}</text>`);
  });
  if (chart.series.length > legendRows)
    out.push(
      `<text x="${W - legendW}" y="${m.top + 14 + legendRows * 20}" font-size="12" fill="#555">+${chart.series.length - legendRows} more (not in the legend)</text>`,
    );
  if (chart.series.length === 0)
    out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle" font-size="14" fill="#999">no data in this range</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
