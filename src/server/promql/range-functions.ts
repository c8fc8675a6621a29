// Functions over range vectors, applied to one series' samples inside one window. The rate family
// follows Prometheus 2.42's extrapolatedRate: counter resets are added back, and the result is
// extrapolated to the window edges when the first/last sample is within 1.1 average intervals of
// them (otherwise by half an interval), never below a counter's zero point.

/** One series' samples in the window [rangeStart, rangeEnd] (ms), stale markers removed. */
export interface Window {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly from: number;
  /** exclusive */
  readonly to: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
  /** ms, the selector's range (rate divides by it). */
  readonly range: number;
}

/** Returns undefined when the function has no value for this window (the series is left out). */
export type RangeFunction = (w: Window, param: number) => number | undefined;

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = w.to - w.from;
  if (n < 2) return undefined;
  const first = w.from,
    last = w.to - 1;
  let result = w.v[last] - w.v[first];
  if (isCounter) {
    let prev = w.v[first];
    for (let i = first + 1; i <= last; i++) {
      if (w.v[i] < prev) result += prev;
      prev = w.v[i];
    }
  }
  let durationToStart = (w.t[first] - w.rangeStart) / 1000;
  const durationToEnd = (w.rangeEnd - w.t[last]) / 1000;
  const sampledInterval = (w.t[last] - w.t[first]) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && w.v[first] >= 0) {
    const durationToZero = sampledInterval * (w.v[first] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  result = result * (extrapolateTo / sampledInterval);
  if (isRate) result = result / (w.range / 1000);
  return result;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  if (w.to - w.from < 2) return undefined;
  const last = w.to - 1,
    prev = w.to - 2;
  let result = w.v[last] - w.v[prev];
  if (isRate && w.v[last] < w.v[prev]) result = w.v[last];
  const sampledInterval = w.t[last] - w.t[prev];
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

/** Prometheus's quantile(): linear interpolation between the closest ranks. */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (Number.isNaN(q)) return NaN;
  values.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

function each(w: Window, f: (v: number) => void): void {
  for (let i = w.from; i < w.to; i++) f(w.v[i]);
}

function variance(w: Window): number {
  let count = 0,
    mean = 0,
    aux = 0;
  each(w, (v) => {
    count++;
    const delta = v - mean;
    mean += delta / count;
    aux += delta * (v - mean);
  });
  return aux / count;
}

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  resets: (w) => {
    let n = 0;
    for (let i = w.from + 1; i < w.to; i++) if (w.v[i] < w.v[i - 1]) n++;
    return n;
  },
  changes: (w) => {
    let n = 0;
    for (let i = w.from + 1; i < w.to; i++) {
      const cur = w.v[i],
        prev = w.v[i - 1];
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
    }
    return n;
  },
  sum_over_time: (w) => {
    let s = 0;
    each(w, (v) => (s += v));
    return s;
  },
  count_over_time: (w) => w.to - w.from,
  avg_over_time: (w) => {
    // Incremental mean, as Prometheus computes it (and its handling of infinities).
    let mean = 0,
      count = 0;
    each(w, (v) => {
      count++;
      if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
        if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) return;
        if (Number.isFinite(v)) return;
      }
      mean += v / count - mean / count;
    });
    return mean;
  },
  min_over_time: (w) => {
    let m = w.v[w.from];
    each(w, (v) => {
      if (v < m || Number.isNaN(m)) m = v;
    });
    return m;
  },
  max_over_time: (w) => {
    let m = w.v[w.from];
    each(w, (v) => {
      if (v > m || Number.isNaN(m)) m = v;
    });
    return m;
  },
  last_over_time: (w) => w.v[w.to - 1],
  present_over_time: () => 1,
  stdvar_over_time: (w) => variance(w),
  stddev_over_time: (w) => Math.sqrt(variance(w)),
  quantile_over_time: (w, q) => quantileOf(q, Array.from(w.v.subarray(w.from, w.to))),
};
