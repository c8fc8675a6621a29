// Cumulative state of every counter, gauge and histogram received: what /metrics exposes. Built
// from the store when the server starts, then advanced by each commit, so a scrape never scans
// the points table. Keys are (stream, series, measurement slot, field).
import { pointKey } from "../../wire/batch.ts";
import { foldParts, keepsLatest } from "../../wire/fold.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import type { CumulativeRow } from "../store/store.ts";
import type { StreamState } from "../ingest/stream-state.ts";

export interface CumulativeEntry {
  /** counter/histogram/mmsc: sum of deltas; gauge/upDownCounter: last value. */
  value: number;
  /** histogram: observations (sum of buckets); mmsc: count. */
  count: number;
  buckets: number[] | null;
  time: number;
}

type PerSeries = Map<number, CumulativeEntry>;

export class Cumulative {
  /** stream id -> series id -> (slot * fieldCount + field) -> entry */
  readonly entries = new Map<number, Map<number, PerSeries>>();
  /** Stream declarations by id, to name what the entries are. */
  readonly catalog = new Map<number, StreamState>();
  /** Called once per new (stream, series, key) entry, so views such as /metrics can stay incremental. */
  onNewEntry: ((stream: number, series: number, key: number, entry: CumulativeEntry) => void) | undefined;

  addStream(state: StreamState): void {
    if (state.kind === "batch") this.catalog.set(state.id, state);
  }

  private entry(stream: number, series: number, key: number): CumulativeEntry {
    let bySeries = this.entries.get(stream);
    if (!bySeries) this.entries.set(stream, (bySeries = new Map()));
    let byKey = bySeries.get(series);
    if (!byKey) bySeries.set(series, (byKey = new Map()));
    let e = byKey.get(key);
    if (!e) {
      byKey.set(key, (e = { value: 0, count: 0, buckets: null, time: 0 }));
      this.onNewEntry?.(stream, series, key, e);
    }
    return e;
  }

  private fieldCount(stream: number, series: number): number {
    const s = this.catalog.get(stream);
    const decl = s?.series.get(series);
    return decl ? s!.sets[decl.set].fieldCount : 1;
  }

  load(rows: readonly CumulativeRow[]): void {
    for (const r of rows) {
      const e = this.entry(r.stream, r.series, pointKey(r.slot, r.field, this.fieldCount(r.stream, r.series)));
      e.value = r.value;
      e.count = r.count;
      e.buckets = r.buckets ? [...r.buckets] : null;
      e.time = r.time;
    }
  }

  apply(rows: PointRows): void {
    let lastStream = -1,
      lastSeries = -1,
      fc = 1;
    let fields: readonly { instrument: string }[] = [];
    for (let i = 0; i < rows.length; i++) {
      const stream = rows.stream[i],
        series = rows.series[i],
        field = rows.field[i];
      if (stream !== lastStream || series !== lastSeries) {
        lastStream = stream;
        lastSeries = series;
        const s = this.catalog.get(stream);
        const decl = s?.series.get(series);
        const set = decl ? s!.sets[decl.set] : undefined;
        fc = set?.fieldCount ?? 1;
        fields = set?.descriptor.fields ?? [];
      }
      const e = this.entry(stream, series, pointKey(rows.slot[i], field, fc));
      const instrument = fields[field]?.instrument ?? "";
      // The fold rule is the wire's (fold.ts); the server adds one thing: a late point does not replace a newer value.
      if (!keepsLatest(instrument) || rows.time[i] >= e.time) foldParts(e, instrument, rows.value[i], rows.count[i], rows.buckets[i] ?? null);
      if (rows.time[i] > e.time) e.time = rows.time[i];
    }
  }
}
