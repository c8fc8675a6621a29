// The delta-to-cumulative rule, in one place: how a point folds into a running total. Counters,
// histograms and mmsc carry deltas (add them); gauges and up-down counters carry the current
// value (keep the latest). Used by the SDK's Prometheus state and OTLP cumulative temporality,
// the server's cumulative view, and the tests' totals.
import type { InstrumentKind } from "../schema/instruments.ts";

export interface Running {
  /** counter: total; histogram/mmsc: sum; gauge/upDownCounter: latest value. */
  value: number;
  /** histogram: observations (the sum of the buckets); mmsc: count. */
  count: number;
  /** histogram: per-bucket totals (created on first fold when null). */
  buckets: number[] | Float64Array | null;
}

/** Gauges and up-down counters carry the current value; everything else carries deltas. */
export const keepsLatest = (instrument: InstrumentKind | string): boolean => instrument === "gauge" || instrument === "upDownCounter";

/** Folds a point in parts: its value, its count (NaN: none) and its bucket deltas (null: none). */
export function foldParts(r: Running, instrument: InstrumentKind | string, value: number, count: number, buckets: ArrayLike<number> | null): void {
  if (keepsLatest(instrument)) {
    r.value = value;
    return;
  }
  r.value += value;
  if (count === count) r.count += count;
  if (buckets) {
    const b = (r.buckets ??= new Array<number>(buckets.length).fill(0));
    for (let j = 0; j < buckets.length && j < b.length; j++) b[j] += buckets[j];
  }
}

/**
 * Folds a point as the wire carries it (see SeriesPoints in batch.ts): a number, a histogram
 * `[sum, bucket_0 .. bucket_n]` (count = the buckets' total), or an mmsc `[count, sum, min, max]`.
 */
export function foldWire(r: Running, instrument: InstrumentKind | string, v: number | readonly number[]): void {
  if (typeof v === "number") return foldParts(r, instrument, v, NaN, null);
  if (instrument === "histogram") {
    r.value += v[0];
    const b = (r.buckets ??= new Array<number>(v.length - 1).fill(0));
    for (let j = 1; j < v.length; j++) {
      b[j - 1] += v[j];
      r.count += v[j];
    }
    return;
  }
  r.count += v[0];
  r.value += v[1];
}
