// GET /api/v1/series?metric=&from=&to=&step=&by= : one metric as JSON time series, reduced per
// step: sums for counters, last and average for gauges, count/sum/quantiles for histograms.
// The store reduces per (step, series); this file names the series and merges them by `by`.
import { slotValues, type AttrValue } from "../../wire/batch.ts";
import type { Cumulative } from "./cumulative.ts";
import { serverError, type ServerError } from "../errors.ts";
import { seriesAttributes } from "../ingest/stream-state.ts";
import type { SeriesRow, Store } from "../store/store.ts";

export interface SeriesParams {
  metric: string;
  from: number;
  to: number;
  stepMs: number;
  by: string[] | null;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "5m", "1.5h", "7d" or plain milliseconds. */
export function parseDuration(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const m = DURATION.exec(s.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/** ms since the epoch, an ISO 8601 time, or `now-1h` style relative times. */
function parseTime(s: string | null, now: number, fallback: number): number | undefined {
  if (s === null || s === "") return fallback;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (s === "now") return now;
  const rel = /^now-(.+)$/.exec(s);
  if (rel) {
    const d = parseDuration(rel[1]);
    return d === undefined ? undefined : now - d;
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

export function parseSeriesParams(q: URLSearchParams, now = Date.now()): SeriesParams | ServerError {
  const metric = q.get("metric");
  if (!metric) return serverError("E_BAD_PARAM", "metric is required", "metric");
  const to = parseTime(q.get("to"), now, now);
  if (to === undefined) return serverError("E_BAD_PARAM", "to: ms since the epoch, ISO 8601, or now-<duration>", "to");
  const from = parseTime(q.get("from"), now, to - 3_600_000);
  if (from === undefined || from >= to) return serverError("E_BAD_PARAM", "from: ms since the epoch, ISO 8601, or now-<duration>, before to", "from");
  const stepMs = q.get("step") ? parseDuration(q.get("step")!) : 60_000;
  if (!stepMs || stepMs < 1) return serverError("E_BAD_PARAM", "step: a duration such as 10s, 1m", "step");
  if ((to - from) / stepMs > 100_000) return serverError("E_BAD_PARAM", "more than 100000 steps: use a larger step", "step");
  const by = q.get("by");
  return {
    metric,
    from,
    to,
    stepMs,
    by:
      by === null
        ? null
        : by
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
  };
}

/** histogram_quantile-style linear interpolation inside the bucket holding the rank. */
export function quantile(q: number, bounds: readonly number[], buckets: readonly number[]): number {
  let total = 0;
  for (const b of buckets) total += b;
  if (total === 0) return NaN;
  const rank = q * total;
  let acc = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (acc + buckets[i] >= rank && buckets[i] > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? NaN;
      const lower = i === 0 ? Math.min(0, bounds[0]) : bounds[i - 1];
      return lower + ((bounds[i] - lower) * (rank - acc)) / buckets[i];
    }
    acc += buckets[i];
  }
  return bounds[bounds.length - 1] ?? NaN;
}

interface Acc {
  sum: number;
  last: number;
  avgSum: number;
  n: number;
  count: number;
  buckets: number[] | null;
}

export async function seriesQuery(store: Store, cumulative: Cumulative, p: SeriesParams) {
  const rows: SeriesRow[] = await store.series({ metric: p.metric, from: p.from, to: p.to, stepMs: p.stepMs });
  const groups = new Map<string, { labels: Record<string, AttrValue>; steps: Map<number, Acc> }>();
  let instrument = rows[0]?.instrument ?? "unknown";
  let unit = "";
  let bounds: readonly number[] = [];
  for (const r of rows) {
    const stream = cumulative.catalog.get(r.stream);
    const series = stream?.series.get(r.series);
    const labels: Record<string, AttrValue> = {};
    if (stream && series) {
      const set = stream.sets[series.set];
      const field = set.descriptor.fields.find((f) => f.name === p.metric);
      if (field) {
        instrument = field.instrument;
        unit = field.unit;
        bounds = field.bounds ?? bounds;
      }
      Object.assign(labels, seriesAttributes(stream, series) ?? { "otel.metric.overflow": true });
      if (set.descriptor.measures.length > 0) slotValues(r.slot, set.descriptor.measures).forEach((v, i) => (labels[set.descriptor.measures[i].name] = v));
      const service = stream.open?.resource["service.name"];
      if (service !== undefined) labels["service.name"] = service;
    }
    const picked: Record<string, AttrValue> = {};
    for (const k of p.by ?? Object.keys(labels).sort()) if (labels[k] !== undefined) picked[k] = labels[k];
    const key = JSON.stringify(picked);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: picked, steps: new Map() }));
    let a = g.steps.get(r.bucket);
    if (!a) g.steps.set(r.bucket, (a = { sum: 0, last: 0, avgSum: 0, n: 0, count: 0, buckets: null }));
    a.sum += r.sum;
    a.last += r.last;
    a.avgSum += r.avg;
    a.n++;
    a.count += r.count;
    if (r.buckets) {
      a.buckets ??= new Array<number>(r.buckets.length).fill(0);
      r.buckets.forEach((b, i) => (a!.buckets![i] = (a!.buckets![i] ?? 0) + b));
    }
  }
  const series = [...groups.values()].map((g) => ({
    labels: g.labels,
    points: [...g.steps.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, a]) => {
        switch (instrument) {
          case "counter":
            return { t, sum: a.sum };
          case "gauge":
          case "upDownCounter":
            return { t, last: a.last, avg: a.avgSum / a.n };
          case "histogram":
            return {
              t,
              count: a.count,
              sum: a.sum,
              p50: quantile(0.5, bounds, a.buckets ?? []),
              p90: quantile(0.9, bounds, a.buckets ?? []),
              p99: quantile(0.99, bounds, a.buckets ?? []),
            };
          default:
            return { t, count: a.count, sum: a.sum };
        }
      }),
  }));
  return { metric: p.metric, instrument, unit, from: p.from, to: p.to, step: p.stepMs, series };
}
