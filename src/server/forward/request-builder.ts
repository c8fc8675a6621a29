// Turns the points of a span of commits into one remote-write request. It keeps, per destination,
// the running cumulative state of every (stream, series, slot, field) — the same fold as the
// server's cumulative view — and the Prometheus series each of them shows as (entrySeries, the
// naming path of the PromQL API), so a forwarded counter is the cumulative `_total` that /metrics
// and PromQL show, stamped with the point's own time. Built from the same rows in the same order,
// the request is the same bytes: a resend repeats exactly what the receiver may already hold.
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import { keyField, pointKey } from "../../wire/batch.ts";
import { foldParts, keepsLatest } from "../../wire/fold.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import type { StreamState } from "../ingest/stream-state.ts";
import { entrySeries, type NativeSeries } from "../promql/native-catalog.ts";
import type { Labels } from "../promql/labels.ts";
import { encodeLabels, encodeSampleRuns, type RwMetadata } from "../remote-write/remote-write-proto.ts";
import type { CumulativeRow } from "../store/store.ts";

interface EntryState {
  value: number;
  count: number;
  buckets: number[] | null;
  time: number;
  /** mmsc: the smallest and largest value of the last point's interval. */
  min: number;
  max: number;
}

/** One Prometheus series at the receiver; several streams may add into it (equal labels, as on /metrics). */
interface OutSeries {
  /** The labels encoded once (they go out with every request that carries the series). */
  readonly labelBytes: Uint8Array;
  /** What entrySeries gave, less its labels: the heap holds one of these per series at the receiver. */
  readonly family: NativeSeries["family"];
  readonly part: NativeSeries["part"];
  readonly scale: NativeSeries["scale"];
  readonly instrument: string;
  /** How the sample's value comes from one contributor's state (MODE_*), decided once. */
  readonly mode: number;
  readonly scaleBy: number;
  readonly contributors: EntryState[];
  /** Timestamp of the last sample sent in an earlier request. */
  lastTime: number;
  /** This request's samples of the series (indexes into the builder's runs; -1: none yet). */
  first: number;
  last: number;
}

interface Entry {
  readonly state: EntryState;
  readonly instrument: string;
  /** keepsLatest(instrument), decided once. */
  readonly latest: boolean;
  readonly outs: OutSeries[];
}

/** One (stream, series)'s entries, indexed by key (slot and field): rows of a series come together. */
interface SeriesEntries {
  readonly stream: number;
  readonly series: number;
  readonly fieldCount: number;
  readonly byKey: (Entry | undefined)[];
  /** The series' labels by slot, worked out once for all its fields (entrySeries). */
  readonly labelsBySlot: Map<number, Labels>;
}

export interface BuiltRequest {
  /** The request's body: snappy-compressed WriteRequest protobuf. */
  readonly body: Uint8Array;
  readonly series: number;
  readonly samples: number;
  /** Points whose stream or declarations were not known (none in a consistent store). */
  readonly unnamed: number;
}

/** Rows between two yields to the event loop (a power of two minus one). */
const YIELD_EVERY = 4095;

const METADATA_TYPE: Readonly<Record<string, number>> = { counter: 1, gauge: 2, histogram: 3, summary: 5 };

export class RequestBuilder {
  private readonly entries = new Map<number, Map<number, SeriesEntries>>();
  private readonly outs = new Map<string, OutSeries>();

  constructor(
    private readonly catalog: ReadonlyMap<number, StreamState>,
    private readonly units: UnitMode,
    /** Added to every series that lacks them (--remote-write-label, like Prometheus's external labels). */
    private readonly external: Readonly<Record<string, string>> = {},
  ) {}

  /** The last (stream, series) looked up: rows come sorted, so runs of rows share it. */
  private last: SeriesEntries | undefined;

  private entry(streamId: number, seriesId: number, slot: number, field: number): Entry | undefined {
    let se = this.last;
    if (se === undefined || se.stream !== streamId || se.series !== seriesId) {
      se = this.seriesEntries(streamId, seriesId);
      if (se === undefined) return undefined;
      this.last = se;
    }
    const key = pointKey(slot, field, se.fieldCount);
    return se.byKey[key] ?? this.create(se, key);
  }

  private seriesEntries(streamId: number, seriesId: number): SeriesEntries | undefined {
    let bySeries = this.entries.get(streamId);
    let se = bySeries?.get(seriesId);
    if (se) return se;
    const decl = this.catalog.get(streamId)?.series.get(seriesId);
    const set = decl && this.catalog.get(streamId)?.sets[decl.set];
    if (!set) return undefined;
    if (!bySeries) this.entries.set(streamId, (bySeries = new Map()));
    bySeries.set(seriesId, (se = { stream: streamId, series: seriesId, fieldCount: set.fieldCount, byKey: [], labelsBySlot: new Map() }));
    return se;
  }

  /** The first point of an entry: its Prometheus series, named once (entrySeries), labels encoded once. */
  private create(se: SeriesEntries, key: number): Entry | undefined {
    const stream = this.catalog.get(se.stream)!;
    const set = stream.sets[stream.series.get(se.series)!.set];
    const state: EntryState = { value: 0, count: 0, buckets: null, time: -Infinity, min: NaN, max: NaN };
    const instrument = set.descriptor.fields[keyField(key, se.fieldCount)]?.instrument ?? "";
    const e: Entry = { state, instrument, latest: keepsLatest(instrument), outs: [] };
    for (const shown of entrySeries(stream, se.series, key, this.units, true, se.labelsBySlot)) {
      const all: Labels = { ...this.external, ...shown.labels };
      const names = Object.keys(all).sort();
      // The key labelsKey() gives these labels, from the names sorted once.
      let k = "";
      for (const n of names) k += `${n}\u0000${all[n]}\u0001`;
      let out = this.outs.get(k);
      if (!out) {
        const labels = names.map((name) => ({ name, value: all[name] }));
        out = {
          labelBytes: encodeLabels(labels),
          family: shown.family,
          part: shown.part,
          scale: shown.scale,
          instrument,
          mode: valueMode(shown),
          scaleBy: shown.scaleBy,
          contributors: [],
          lastTime: -Infinity,
          first: -1,
          last: -1,
        };
        this.outs.set(k, out);
      }
      out.contributors.push(state);
      if (state.time > out.lastTime) out.lastTime = state.time;
      e.outs.push(out);
    }
    se.byKey[key] = e;
    return e;
  }

  /** The state as it stood at the destination's cursor (after a restart). */
  load(rows: readonly CumulativeRow[]): void {
    for (const r of rows) {
      const e = this.entry(r.stream, r.series, r.slot, r.field);
      if (!e) continue;
      e.state.value = r.value;
      e.state.count = r.count;
      e.state.buckets = r.buckets ? [...r.buckets] : null;
      e.state.time = r.time;
      for (const out of e.outs) if (r.time > out.lastTime) out.lastTime = r.time;
    }
  }

  /**
   * Folds the span's rows in (or rows [start, end) of it) and returns the request that carries them. Yields to the event loop
   * every few thousand rows, so a large span never holds up ingest on the same thread.
   */
  async build(rows: PointRows, start = 0, end = rows.length): Promise<BuiltRequest> {
    const touched: OutSeries[] = [];
    const hasBuckets = rows.histogramRows > 0;
    let unnamed = 0;
    for (let i = start; i < end; i++) {
      if (((i - start) & YIELD_EVERY) === YIELD_EVERY) await new Promise((resolve) => setImmediate(resolve));
      const e = this.entry(rows.stream[i], rows.series[i], rows.slot[i], rows.field[i]);
      if (!e) {
        unnamed++;
        continue;
      }
      const s = e.state,
        time = rows.time[i];
      // The server's fold (cumulative.ts): a late point does not replace a newer current value.
      if (e.latest) {
        if (time >= s.time) s.value = rows.value[i];
      } else if (hasBuckets && rows.buckets[i] !== undefined) foldParts(s, e.instrument, rows.value[i], rows.count[i], rows.buckets[i] ?? null);
      else {
        s.value += rows.value[i];
        const c = rows.count[i];
        if (c === c) s.count += c;
      }
      if (time > s.time) s.time = time;
      s.min = rows.min[i];
      s.max = rows.max[i];
      const outs = e.outs;
      for (let j = 0; j < outs.length; j++) {
        const out = outs[j];
        if (out.first < 0) touched.push(out);
        this.addSample(out, time, out.contributors.length === 1 && out.mode !== MODE_OTHER ? directValue(out, s) : sampleValue(out, s));
      }
    }
    const families = new Map<string, RwMetadata>();
    for (const out of touched) {
      const f = out.family;
      const name = f.type === "counter" ? `${f.name}_total` : f.name;
      if (!families.has(name)) families.set(name, { type: METADATA_TYPE[f.type] ?? 0, metricFamilyName: name, help: f.help, unit: f.unit });
    }
    const body = touched.length > 0 ? encodeSampleRuns(touched, { values: this.values, times: this.times, next: this.next }, [...families.values()]) : new Uint8Array(0);
    for (const out of touched) {
      out.lastTime = this.times[out.last];
      out.first = out.last = -1;
    }
    const samples = this.count;
    this.count = 0;
    return { body, series: touched.length, samples, unnamed };
  }

  /** This request's samples, all series together (see SampleRuns); reused from request to request. */
  private values = new Float64Array(4096);
  private times = new Float64Array(4096);
  private next = new Int32Array(4096);
  private count = 0;

  /** One sample per series and time: a second point at the same time (another stream) updates it. */
  private addSample(out: OutSeries, time: number, value: number): void {
    if (out.last >= 0 && time <= this.times[out.last]) {
      this.values[out.last] = value;
      return;
    }
    // Series fed by several streams: a point older than what was sent moves just past it, because
    // receivers refuse samples out of order (and Prometheus refuses a whole request for one).
    const t = out.lastTime === -Infinity ? Math.round(time) : Math.max(Math.round(time), Math.round(out.lastTime) + 1);
    if (this.count === this.values.length) this.grow();
    const k = this.count++;
    this.values[k] = value;
    this.times[k] = t;
    this.next[k] = -1;
    if (out.last >= 0) this.next[out.last] = k;
    else out.first = k;
    out.last = k;
  }

  private grow(): void {
    const n = this.values.length * 2;
    const values = new Float64Array(n),
      times = new Float64Array(n),
      next = new Int32Array(n);
    values.set(this.values);
    times.set(this.times);
    next.set(this.next);
    this.values = values;
    this.times = times;
    this.next = next;
  }
}

/** The value is the state's value, scaled; its count; or anything else (sampleValue). */
const MODE_VALUE = 0,
  MODE_COUNT = 1,
  MODE_OTHER = 2;

function valueMode(shown: NativeSeries): number {
  const k = shown.part.kind;
  if (k === "counter" || k === "sum" || k === "updown" || k === "gauge") return MODE_VALUE;
  return k === "count" ? MODE_COUNT : MODE_OTHER;
}

/** A series with one contributor (the common case), without a call through `scale`: the same arithmetic as scaler(). */
function directValue(out: OutSeries, s: EntryState): number {
  if (out.mode === MODE_COUNT) return s.count;
  return out.scaleBy === 1 ? s.value : out.scale(s.value);
}

function sampleValue(out: OutSeries, current: EntryState): number {
  const part = out.part,
    scale = out.scale,
    c = out.contributors;
  // One stream behind the series (the common case): its own state is the value.
  if (c.length === 1 && (part.kind === "counter" || part.kind === "sum" || part.kind === "updown" || part.kind === "gauge")) return scale(current.value);
  if (c.length === 1 && part.kind === "count") return current.count;
  switch (part.kind) {
    case "counter":
    case "sum":
    case "updown": {
      let v = 0;
      for (const s of c) v += s.value;
      return scale(v);
    }
    case "gauge": {
      let latest = c[0];
      for (const s of c) if (s.time >= latest.time) latest = s;
      return scale(latest.value);
    }
    case "count": {
      let v = 0;
      for (const s of c) v += s.count;
      return v;
    }
    case "bucket": {
      let v = 0;
      for (const s of c) if (s.buckets) for (let j = 0; j <= part.upTo && j < s.buckets.length; j++) v += s.buckets[j];
      return v;
    }
    case "min":
      return scale(current.min);
    case "max":
      return scale(current.max);
  }
}
