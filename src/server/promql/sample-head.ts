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

/** Samples of several series, one run per series (in time order when `ordered`, else as written). */
export interface HeadSamples {
  readonly ids: number[];
  readonly counts: number[];
  readonly ordered: boolean[];
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly stale: Uint8Array;
}

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
        if (!s) this.series.set(lastId, (s = { t: new Float64Array(16), v: new Float64Array(16), stale: new Uint8Array(16), n: 0, ordered: true }));
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
      let k = 0;
      for (let i = 0; i < s.n; i++) {
        if (s.t[i] < t) continue;
        s.t[k] = s.t[i];
        s.v[k] = s.v[i];
        s.stale[k] = s.stale[i];
        k++;
      }
      this.total -= s.n - k;
      s.n = k;
      if (k === 0) this.series.delete(id);
    }
  }

  /** The samples of `ids` with mint <= t <= maxt, one run per series that has any. */
  read(ids: readonly number[], mint: number, maxt: number): HeadSamples {
    const picked: { s: SeriesSamples; id: number; from: number; to: number }[] = [];
    let n = 0;
    for (const id of ids) {
      const s = this.series.get(id);
      if (!s) continue;
      const [from, to] = s.ordered ? [lowerBound(s.t, s.n, mint), upperBound(s.t, s.n, maxt)] : [0, s.n];
      if (to > from) {
        picked.push({ s, id, from, to });
        n += to - from;
      }
    }
    const out = { ids: [] as number[], counts: [] as number[], ordered: [] as boolean[], t: new Float64Array(n), v: new Float64Array(n), stale: new Uint8Array(n) };
    let at = 0;
    for (const { s, id, from, to } of picked) {
      const start = at;
      if (s.ordered) {
        out.t.set(s.t.subarray(from, to), at);
        out.v.set(s.v.subarray(from, to), at);
        out.stale.set(s.stale.subarray(from, to), at);
        at += to - from;
      } else {
        for (let i = from; i < to; i++) {
          if (s.t[i] < mint || s.t[i] > maxt) continue;
          out.t[at] = s.t[i];
          out.v[at] = s.v[i];
          out.stale[at] = s.stale[i];
          at++;
        }
      }
      if (at === start) continue;
      out.ids.push(id);
      out.counts.push(at - start);
      out.ordered.push(s.ordered);
    }
    return at === n ? out : { ...out, t: out.t.slice(0, at), v: out.v.slice(0, at), stale: out.stale.slice(0, at) };
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
  const t = new Float64Array(s.t.length * 2),
    v = new Float64Array(s.t.length * 2),
    stale = new Uint8Array(s.t.length * 2);
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
