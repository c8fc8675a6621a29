// The recent remote-written samples in memory, per series, as Prometheus keeps its head block: a
// range query over recent data reads them here instead of out of DuckDB, where handing millions of
// samples to JavaScript costs ten times what computing on them does (bench/README.md). The head
// holds every sample committed since the server started whose time is past what the store held
// then (`coveredFrom`), up to `maxSamples`; past that, the oldest quarter of its time span is
// dropped and `coveredFrom` moves up. A query whose whole time range is covered reads the head;
// any other reads the store, which has everything. Retention drops from both.
import type { SampleUnit } from "../store/store.ts";

interface SeriesSamples {
  t: Float64Array;
  v: Float64Array;
  stale: Uint8Array;
  n: number;
  /** Strictly ascending times (what senders do): a range is then found by binary search. */
  ordered: boolean;
}

/**
 * Samples of several series in time order. A series held in order is a view of the head's own
 * memory (SharedArrayBuffers, so a worker thread reads it without a copy); the head never changes
 * what such a view shows (it appends past it and replaces arrays to drop). A series that arrived out
 * of order is a copy, as written, for the reader to sort.
 */
export interface HeadSamples {
  readonly series: { readonly id: number; readonly t: Float64Array; readonly v: Float64Array; readonly stale: Uint8Array; readonly ordered: boolean }[];
  /** Samples in all. */
  readonly n: number;
}

const f64 = (n: number) => new Float64Array(new SharedArrayBuffer(n * 8));
const u8 = (n: number) => new Uint8Array(new SharedArrayBuffer(n));

export class SampleHead {
  private readonly series = new Map<number, SeriesSamples>();
  private total = 0;
  private readonly maxSamples: number;
  /** Samples with a time at or past this are all here (ms). */
  private coveredFrom: number;

  /** `storedUpTo`: the latest sample time the store held at start (-Infinity when it held none). */
  constructor(maxSamples: number, storedUpTo: number) {
    this.maxSamples = maxSamples;
    this.coveredFrom = storedUpTo + 1;
  }

  /** Whether every stored sample with a time at or past `mint` is here. */
  covers(mint: number): boolean {
    return this.maxSamples > 0 && mint >= this.coveredFrom;
  }

  /** After the unit's commit: its samples, in the order they were written. */
  append(u: SampleUnit): void {
    if (this.maxSamples <= 0) return;
    // A request holds a run of samples per series: look the series up once per run.
    let lastId = NaN;
    let s: SeriesSamples | undefined;
    for (let i = 0; i < u.length; i++) {
      const t = u.times[i];
      if (t < this.coveredFrom) continue;
      if (u.ids[i] !== lastId || !s) {
        lastId = u.ids[i];
        s = this.series.get(lastId);
        if (!s) this.series.set(lastId, (s = { t: f64(16), v: f64(16), stale: u8(16), n: 0, ordered: true }));
      }
      if (s.n === s.t.length) grow(s);
      if (s.n > 0 && t <= s.t[s.n - 1]) s.ordered = false;
      s.t[s.n] = t;
      s.v[s.n] = u.values[i];
      s.stale[s.n] = u.stale[i] ? 1 : 0;
      s.n++;
      this.total++;
    }
    while (this.total > this.maxSamples) this.evict();
  }

  /** Retention: nothing before `t` remains (the store deleted it too). */
  dropBefore(t: number): void {
    for (const [id, s] of this.series) {
      let keep = 0;
      for (let i = 0; i < s.n; i++) if (s.t[i] >= t) keep++;
      if (keep === s.n) continue;
      this.total -= s.n - keep;
      if (keep === 0) {
        this.series.delete(id);
        continue;
      }
      // New arrays: views handed out earlier keep showing what they showed.
      const nt = f64(keep * 2),
        nv = f64(keep * 2),
        ns = u8(keep * 2);
      let k = 0;
      for (let i = 0; i < s.n; i++) {
        if (s.t[i] < t) continue;
        nt[k] = s.t[i];
        nv[k] = s.v[i];
        ns[k] = s.stale[i];
        k++;
      }
      s.t = nt;
      s.v = nv;
      s.stale = ns;
      s.n = keep;
    }
  }

  /** The samples of `ids` with mint <= t <= maxt, one entry per series that has any. */
  read(ids: readonly number[], mint: number, maxt: number): HeadSamples {
    const series: HeadSamples["series"] = [];
    let n = 0;
    for (const id of ids) {
      const s = this.series.get(id);
      if (!s) continue;
      if (s.ordered) {
        const from = lowerBound(s.t, s.n, mint),
          to = upperBound(s.t, s.n, maxt);
        if (to <= from) continue;
        series.push({ id, t: s.t.subarray(from, to), v: s.v.subarray(from, to), stale: s.stale.subarray(from, to), ordered: true });
        n += to - from;
        continue;
      }
      const rows: number[] = [];
      for (let i = 0; i < s.n; i++) if (s.t[i] >= mint && s.t[i] <= maxt) rows.push(i);
      if (rows.length === 0) continue;
      series.push({
        id,
        t: Float64Array.from(rows, (i) => s.t[i]),
        v: Float64Array.from(rows, (i) => s.v[i]),
        stale: Uint8Array.from(rows, (i) => s.stale[i]),
        ordered: false,
      });
      n += rows.length;
    }
    return { series, n };
  }

  /** Drops the oldest quarter of the time span held, and covers only what remains. */
  private evict(): void {
    let lo = Infinity,
      hi = -Infinity;
    for (const s of this.series.values()) {
      for (let i = 0; i < s.n; i++) {
        if (s.t[i] < lo) lo = s.t[i];
        if (s.t[i] > hi) hi = s.t[i];
      }
    }
    const cut = hi > lo ? lo + Math.max(1, Math.floor((hi - lo) / 4)) : hi + 1;
    this.coveredFrom = Math.max(this.coveredFrom, cut);
    this.dropBefore(cut);
  }
}

function grow(s: SeriesSamples): void {
  const t = f64(s.t.length * 2),
    v = f64(s.t.length * 2),
    stale = u8(s.t.length * 2);
  t.set(s.t);
  v.set(s.v);
  stale.set(s.stale);
  s.t = t;
  s.v = v;
  s.stale = stale;
}

/** First index with t[i] >= x. */
function lowerBound(t: Float64Array, n: number, x: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with t[i] > x. */
function upperBound(t: Float64Array, n: number, x: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
