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
        if (!s) this.series.set(lastId, (s = { t: new Float64Array(16), v: new Float64Array(16), stale: new Uint8Array(16), n: 0 }));
      }
      if (s.n === s.t.length) grow(s);
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

  /**
   * The samples of `ids` with mint <= t <= maxt, as the plain columns select.ts reads from the store
   * (series, time, value with NaN for stale, stale), in the order written.
   */
  read(ids: readonly number[], mint: number, maxt: number): Float64Array[] {
    let n = 0;
    for (const id of ids) {
      const s = this.series.get(id);
      if (s) for (let i = 0; i < s.n; i++) if (s.t[i] >= mint && s.t[i] <= maxt) n++;
    }
    const sid = new Float64Array(n),
      time = new Float64Array(n),
      value = new Float64Array(n),
      stale = new Float64Array(n);
    let at = 0;
    for (const id of ids) {
      const s = this.series.get(id);
      if (!s) continue;
      for (let i = 0; i < s.n; i++) {
        const t = s.t[i];
        if (t < mint || t > maxt) continue;
        sid[at] = id;
        time[at] = t;
        value[at] = s.stale[i] ? NaN : s.v[i];
        stale[at] = s.stale[i];
        at++;
      }
    }
    return [sid, time, value, stale];
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
