// One OTLP data point at a time: which native instrument a metric becomes, whether a point is
// valid (the reason when it is not), and how its value is stored. Native tables keep counters and
// histograms as deltas and up-down counters as current values, so cumulative sums and histograms
// are turned into deltas against the previous point of the same series, and delta up-down counters
// into running values.
import type { InstrumentKind } from "../../schema/instruments.ts";
import {
  FLAG_NO_RECORDED_VALUE,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  type OtlpExponentialHistogramPoint,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpNumberPoint,
  type OtlpSummaryPoint,
} from "./otlp-types.ts";

type Point = OtlpNumberPoint | OtlpHistogramPoint | OtlpExponentialHistogramPoint | OtlpSummaryPoint;

export interface MetricPlan {
  readonly instrument: InstrumentKind;
  readonly cumulative: boolean;
  readonly kind: "number" | "histogram" | "summary";
  readonly points: readonly Point[];
}

/** The native instrument of a metric, or why it cannot be stored. */
export function planMetric(m: OtlpMetric): MetricPlan | string {
  const temporality = (t: number | undefined): boolean | string =>
    t === TEMPORALITY_CUMULATIVE ? true : t === TEMPORALITY_DELTA ? false : "aggregation_temporality is unspecified";
  if (m.gauge) return { instrument: "gauge", cumulative: false, kind: "number", points: m.gauge.dataPoints ?? [] };
  if (m.sum) {
    const c = temporality(m.sum.aggregationTemporality);
    if (typeof c === "string") return c;
    return { instrument: m.sum.isMonotonic ? "counter" : "upDownCounter", cumulative: c, kind: "number", points: m.sum.dataPoints ?? [] };
  }
  if (m.histogram) {
    const c = temporality(m.histogram.aggregationTemporality);
    if (typeof c === "string") return c;
    return { instrument: "histogram", cumulative: c, kind: "histogram", points: m.histogram.dataPoints ?? [] };
  }
  // Exponential histograms and summaries keep count, sum (and min, max when given): the mmsc shape.
  if (m.exponentialHistogram) {
    const c = temporality(m.exponentialHistogram.aggregationTemporality);
    if (typeof c === "string") return c;
    return { instrument: "mmsc", cumulative: c, kind: "summary", points: m.exponentialHistogram.dataPoints ?? [] };
  }
  if (m.summary) return { instrument: "mmsc", cumulative: true, kind: "summary", points: m.summary.dataPoints ?? [] };
  return "metric carries no data (none of gauge, sum, histogram, exponential_histogram, summary)";
}

export interface PointValue {
  /** ms since the epoch. */
  readonly time: number;
  /** ms, NaN when the point has none. */
  readonly start: number;
  /** counter, upDownCounter, gauge: the value; histogram, mmsc: the sum. */
  readonly value: number;
  readonly count: number;
  /** histogram: bucket counts (bounds + 1). */
  readonly buckets: number[] | null;
  readonly bounds: number[] | null;
  readonly min: number;
  readonly max: number;
  readonly int: boolean;
}

/** OTLP times are uint64 nanoseconds, but stored times are int64 (DuckDB TIMESTAMP): 2262-04-11 is the end. */
const MAX_TIME_MS = 9_223_372_036_854;
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const count = (v: unknown): v is number => finite(v) && v >= 0 && Math.floor(v) === v;

/** The point's value, null for a staleness marker (nothing to store), or why it is refused. */
export function readPoint(plan: MetricPlan, p: Point, maxBounds: number): PointValue | null | string {
  if (((p.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0) return null;
  const nanos = p.timeUnixNano;
  if (!finite(nanos) || nanos <= 0) return "time_unix_nano is zero or missing";
  const time = nanos / 1e6;
  if (time > MAX_TIME_MS) return "time_unix_nano is after the year 2262 (the largest int64 nanosecond time)";
  const start = finite(p.startTimeUnixNano) && p.startTimeUnixNano > 0 ? p.startTimeUnixNano / 1e6 : NaN;
  if (start > MAX_TIME_MS) return "start_time_unix_nano is after the year 2262 (the largest int64 nanosecond time)";
  if (start > time) return "start_time_unix_nano is after time_unix_nano";
  if (plan.kind === "number") {
    const n = p as OtlpNumberPoint;
    const int = n.value === "asInt" || (n.value === undefined && n.asInt !== undefined);
    const v = int ? n.asInt : n.asDouble;
    if (v === undefined) return "number data point without a value";
    if (!finite(v)) return "value is NaN or infinite";
    if (plan.instrument === "counter" && plan.cumulative && v < 0) return "monotonic cumulative sum is negative";
    return { time, start, value: v, count: NaN, buckets: null, bounds: null, min: NaN, max: NaN, int };
  }
  const d = p as OtlpHistogramPoint;
  if (!count(d.count)) return "count is not a whole number >= 0";
  const sum = d.sum === undefined ? 0 : d.sum;
  if (!finite(sum)) return "sum is NaN or infinite";
  for (const k of ["min", "max"] as const) if (d[k] !== undefined && !finite(d[k])) return `${k} is NaN or infinite`;
  const min = d.min ?? NaN;
  const max = d.max ?? NaN;
  if (plan.kind === "summary") return { time, start, value: sum, count: d.count, buckets: null, bounds: null, min, max, int: false };
  const bounds = [...(d.explicitBounds ?? [])];
  let buckets = [...(d.bucketCounts ?? [])];
  if (bounds.length > maxBounds) return `more than ${maxBounds} explicit_bounds`;
  for (let i = 0; i < bounds.length; i++) {
    if (!finite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) return "explicit_bounds are not finite and strictly increasing";
  }
  // No bounds and no counts is a histogram with one bucket holding everything.
  if (bounds.length === 0 && buckets.length === 0) buckets = [d.count];
  if (buckets.length !== bounds.length + 1) return `bucket_counts has ${buckets.length} entries, explicit_bounds ${bounds.length} (expected bounds + 1)`;
  let total = 0;
  for (const b of buckets) {
    if (!count(b)) return "bucket_counts are not whole numbers >= 0";
    total += b;
  }
  if (total !== d.count) return `bucket_counts add up to ${total}, count is ${d.count}`;
  return { time, start, value: sum, count: d.count, buckets, bounds, min, max, int: false };
}

/** The previous point of a series, to turn cumulative values into deltas. */
export interface Baseline {
  /** ms; NaN when unknown (rebuilt from the store after a restart). */
  start: number;
  time: number;
  value: number;
  count: number;
  buckets: number[] | null;
}

export interface Stored {
  readonly value: number;
  readonly count: number;
  readonly buckets: number[] | null;
  readonly min: number;
  readonly max: number;
}

/** What to store for `v` given the series' previous point, and the series' next baseline. */
export function storedValue(plan: MetricPlan, v: PointValue, base: Baseline | undefined): { stored: Stored | null; next: Baseline | undefined } {
  const { instrument, cumulative } = plan;
  const next: Baseline = { start: v.start, time: v.time, value: v.value, count: v.count, buckets: v.buckets };
  if (instrument === "gauge") return { stored: { value: v.value, count: NaN, buckets: null, min: NaN, max: NaN }, next: undefined };
  if (instrument === "upDownCounter") {
    if (cumulative) return { stored: { value: v.value, count: NaN, buckets: null, min: NaN, max: NaN }, next };
    const running = (base?.value ?? 0) + v.value;
    return { stored: { value: running, count: NaN, buckets: null, min: NaN, max: NaN }, next: { ...next, value: running } };
  }
  if (!cumulative) return { stored: { value: v.value, count: v.count, buckets: v.buckets, min: v.min, max: v.max }, next: undefined };
  // A point older than the last one seen is a resend: it adds nothing.
  if (base && v.time <= base.time && (Number.isNaN(base.start) || base.start === v.start)) return { stored: null, next: base };
  const continues =
    base !== undefined &&
    (Number.isNaN(base.start) || Number.isNaN(v.start) || base.start === v.start) &&
    v.value >= (instrument === "counter" ? base.value : -Infinity) &&
    (instrument === "counter" || (v.count >= base.count && sameShape(base.buckets, v.buckets)));
  if (!continues) {
    // First point of the series, or the source restarted: everything it reports is new.
    return { stored: { value: v.value, count: v.count, buckets: v.buckets, min: NaN, max: NaN }, next };
  }
  if (instrument === "counter") return { stored: { value: v.value - base.value, count: NaN, buckets: null, min: NaN, max: NaN }, next };
  const buckets = v.buckets ? v.buckets.map((b, i) => b - (base.buckets?.[i] ?? 0)) : null;
  if (buckets?.some((b) => b < 0)) return { stored: { value: v.value, count: v.count, buckets: v.buckets, min: NaN, max: NaN }, next };
  // Cumulative min and max cover the whole series, not the interval: they are not stored.
  return { stored: { value: v.value - base.value, count: v.count - base.count, buckets, min: NaN, max: NaN }, next };
}

function sameShape(a: number[] | null, b: number[] | null): boolean {
  return (a === null) === (b === null) && (a === null || a.length === b!.length);
}
