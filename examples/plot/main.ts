// `npm run plot -- --metric http.server.requests --by route --out requests.svg`: fetches one
// metric's time series from a running telemetry server (GET /api/v1/series) and draws it as SVG.
// Counters are drawn as a rate per second, histograms as a quantile, gauges as their last value.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderChart, type ChartSeries } from "./svg-chart.ts";

interface SeriesReply {
  metric: string;
  instrument: string;
  unit: string;
  step: number;
  series: { labels: Record<string, unknown>; points: Record<string, number>[] }[];
}

const HELP = `Usage: npm run plot -- --metric <name> [options]
  --url <url>      telemetry server (default http://127.0.0.1:4318, or $TELEMETRY_URL)
  --metric <name>  e.g. http.server.requests (required)
  --by <a,b>       split into one line per value of these attributes (default: one line, all merged)
  --from <time>    ms, ISO 8601 or now-<duration> (default now-15m)
  --to <time>      (default now)
  --step <dur>     10s, 1m, ... (default 10s)
  --value <v>      counters: rate (default) or sum; histograms: p50, p90, p99 (default), count;
                   gauges and upDownCounters: last (default) or avg; mmsc: mean (default), count
  --title <text>   (default: the metric name)
  --out <file>     SVG file to write (default <metric>.svg)`;

const { values: o } = parseArgs({
  options: {
    url: { type: "string", default: process.env.TELEMETRY_URL ?? "http://127.0.0.1:4318" },
    metric: { type: "string" },
    by: { type: "string", default: "" },
    from: { type: "string", default: "now-15m" },
    to: { type: "string", default: "now" },
    step: { type: "string", default: "10s" },
    value: { type: "string" },
    title: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (o.help || !o.metric) {
  console.log(HELP);
  process.exit(o.help ? 0 : 2);
}

const params = new URLSearchParams({ metric: o.metric, from: o.from, to: o.to, step: o.step, by: o.by });
const res = await fetch(`${o.url}/api/v1/series?${params}`);
const reply = (await res.json()) as SeriesReply | { error: { code: string; message: string } };
if ("error" in reply) {
  console.error(`plot: ${reply.error.code}: ${reply.error.message}`);
  process.exit(1);
}

const DEFAULT_VALUE: Record<string, string> = { counter: "rate", histogram: "p99", gauge: "last", upDownCounter: "last", mmsc: "mean" };
const value = o.value ?? DEFAULT_VALUE[reply.instrument] ?? "sum";
const stepS = reply.step / 1000;
// UCUM units as a reader says them: "{request}" is an annotation (requests), "1" is dimensionless.
const UNIT_WORDS: Record<string, string> = { By: "bytes", s: "seconds", ms: "ms", us: "µs", ns: "ns", "1": "" };
const unit = UNIT_WORDS[reply.unit] ?? (/^\{.+\}$/.test(reply.unit) ? `${reply.unit.slice(1, -1)}s` : reply.unit);
const pick = (p: Record<string, number>): number | null => {
  if (value === "rate") return p.sum / stepS;
  if (value === "mean") return p.count > 0 ? p.sum / p.count : null;
  const v = p[value];
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
};

// A counter step without points means nothing was counted: draw it as 0, not as a gap.
const allSteps = [...new Set(reply.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
const first = allSteps[0];
const last = allSteps[allSteps.length - 1];
const series: ChartSeries[] = reply.series.map((s) => {
  const label =
    Object.entries(s.labels)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ") || "all";
  if (reply.instrument !== "counter") return { label, points: s.points.map((p) => ({ t: p.t, v: pick(p) })) };
  const byT = new Map(s.points.map((p) => [p.t, pick(p)]));
  const points = [];
  for (let t = first; t <= last; t += reply.step) points.push({ t, v: byT.get(t) ?? 0 });
  return { label, points };
});
series.sort((a, b) => a.label.localeCompare(b.label));

const yLabel =
  value === "rate" ? `${unit || "events"} per second` : value === "count" ? "count per step" : value === "sum" ? `${unit} per step` : `${value} (${unit || "value"})`;
const svg = renderChart({
  title: o.title ?? o.metric,
  subtitle: `${reply.instrument}, ${value}${o.by ? ` by ${o.by}` : ""}, ${stepS} s steps, ${new Date(first ?? Date.now()).toISOString().slice(0, 10)}`,
  yLabel,
  series,
});
const out = o.out ?? `${o.metric}.svg`;
writeFileSync(out, svg);
console.log(`wrote ${out}: ${series.length} series, ${series.reduce((n, s) => n + s.points.length, 0)} points of ${o.metric} (${value})`);
