// OTLP metrics into the native tables. Each (resource, scope) pair is one stream, keyed by a hash
// of both, so a process that exports every few seconds keeps appending to the same stream; each
// request adds one "batch" to it. A metric with one set of attribute keys becomes a set with one
// field (its entity attributes are the point attributes, no measures); each distinct attribute
// combination a series. Invalid points are left out and counted for partial_success.
import { createHash } from "node:crypto";
import type { AttributeType } from "../../schema/attributes.ts";
import type { AttrValue, StreamOpen, WireSetDescriptor } from "../../wire/batch.ts";
import type { Cumulative } from "../query/cumulative.ts";
import { isServerError, type ServerError } from "../errors.ts";
import type { Ack, ClientInfo, ForeignBuild, Ingestor } from "../ingest/ingest.ts";
import type { Limits } from "../ingest/limits.ts";
import { planMetric, readPoint, storedValue, type Baseline } from "./otlp-points.ts";
import type { OtlpAnyValue, OtlpKeyValue, OtlpRequest, OtlpScopeMetrics } from "./otlp-types.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import { setState, type SeriesState, type SetState, type StreamState } from "../ingest/stream-state.ts";

const MAX_POINT_ATTRIBUTES = 128;

export interface OtlpResult {
  readonly accepted: number;
  readonly rejected: number;
  /** Why points were rejected, most frequent first, e.g. `metric "x": value is NaN (3)`. */
  readonly reasons: readonly string[];
}

/** Per-stream lookups, rebuilt whenever the ingest replaced the stream's state (a failed commit). */
interface StreamMaps {
  readonly state: StreamState;
  readonly sets: Map<string, number>;
  readonly series: Map<string, number>;
  nextSeries: number;
  readonly baselines: Map<number, Baseline>;
}

class Tally {
  accepted = 0;
  rejected = 0;
  readonly reasons = new Map<string, number>();

  reject(metric: string | undefined, why: string, n = 1): void {
    if (n <= 0) return;
    this.rejected += n;
    const k = metric ? `metric ${JSON.stringify(metric.slice(0, 100))}: ${why}` : why;
    this.reasons.set(k, (this.reasons.get(k) ?? 0) + n);
  }

  result(): OtlpResult {
    const reasons = [...this.reasons.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`);
    return { accepted: this.accepted, rejected: this.rejected, reasons };
  }
}

function attrValue(v: OtlpAnyValue | undefined): { type: AttributeType; value: AttrValue } {
  if (!v) return { type: "string", value: "" };
  if (v.stringValue !== undefined) return { type: "string", value: v.stringValue };
  if (v.boolValue !== undefined) return { type: "boolean", value: v.boolValue };
  if (v.intValue !== undefined) return { type: "int", value: v.intValue };
  if (v.doubleValue !== undefined) return { type: "double", value: v.doubleValue };
  // Arrays, maps and bytes have no column type of their own: stored as their JSON text.
  return { type: "string", value: JSON.stringify(plain(v)) };
}

export function plain(v: OtlpAnyValue | undefined): unknown {
  if (!v) return null;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  if (v.kvlistValue) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key ?? "", plain(kv.value)]));
  return v.stringValue ?? v.boolValue ?? v.intValue ?? v.doubleValue ?? v.bytesValue ?? null;
}

/** Attributes sorted by key (last one wins for a repeated key), or why they cannot be stored. */
function readAttributes(kvs: readonly OtlpKeyValue[] | undefined, limits: Limits): { keys: string[]; types: AttributeType[]; values: AttrValue[] } | string {
  const map = new Map<string, { type: AttributeType; value: AttrValue }>();
  for (const kv of kvs ?? []) {
    const key = kv.key ?? "";
    if (key === "" || key.length > limits.maxString) return "attribute key is empty or too long";
    const a = attrValue(kv.value);
    if (typeof a.value === "string" && a.value.length > limits.maxString) return `attribute ${key} is longer than ${limits.maxString} characters`;
    if (typeof a.value === "number" && !Number.isFinite(a.value)) return `attribute ${key} is not finite`;
    map.set(key, a);
  }
  if (map.size > MAX_POINT_ATTRIBUTES) return `more than ${MAX_POINT_ATTRIBUTES} attributes`;
  const keys = [...map.keys()].sort();
  return { keys, types: keys.map((k) => map.get(k)!.type), values: keys.map((k) => map.get(k)!.value) };
}

export function resourceOf(kvs: readonly OtlpKeyValue[] | undefined, limits: Limits): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of (kvs ?? []).slice(0, 256)) {
    if (!kv.key || kv.key.length > limits.maxString) continue;
    const { value } = attrValue(kv.value);
    out[kv.key] = typeof value === "string" ? value.slice(0, limits.maxString) : value;
  }
  return out;
}

const setKey = (d: WireSetDescriptor): string =>
  JSON.stringify([d.name, d.fields[0]?.instrument, d.fields[0]?.unit, d.fields[0]?.bounds ?? null, d.attributes.map((a) => [a.name, a.type])]);

export class OtlpIngest {
  private readonly maps = new Map<string, StreamMaps>();

  constructor(
    private readonly ingest: Ingestor,
    private readonly cumulative: Cumulative,
    private readonly limits: Limits,
  ) {}

  /** Stores what is valid; resolves once it is committed, with the counts for partial_success. */
  async store(req: OtlpRequest, client: ClientInfo, bytes: number): Promise<OtlpResult | ServerError> {
    const tally = new Tally();
    const waits: Promise<Ack | ServerError>[] = [];
    for (const rm of req.resourceMetrics ?? []) {
      const resource = resourceOf(rm.resource?.attributes, this.limits);
      for (const sm of rm.scopeMetrics ?? []) {
        const scope = { name: (sm.scope?.name ?? "").slice(0, 200), version: (sm.scope?.version ?? "").slice(0, 200) };
        const key =
          "otlp-" +
          createHash("sha256")
            .update(JSON.stringify([Object.entries(resource).sort(), scope.name, scope.version]))
            .digest("hex")
            .slice(0, 40);
        const open: StreamOpen = { resource, schemaHash: "otlp", sdk: scope, view: "aggregate" };
        const before = tally.rejected;
        const r = await this.ingest.acceptForeign(key, open, client, (state, rows) => this.build(state, rows, sm, tally, bytes));
        if (isServerError(r)) {
          // The stream could not take anything (shutting down, busy): its points count as rejected.
          if (r.code === "E_BUSY" || r.code === "E_SHUTTING_DOWN") return r;
          tally.reject(undefined, `${r.code}: ${r.message}`, countPoints(sm) - (tally.rejected - before));
          continue;
        }
        waits.push(r.stored);
      }
    }
    for (const w of await Promise.all(waits)) if (isServerError(w)) return w;
    return tally.result();
  }

  private mapsFor(state: StreamState): StreamMaps {
    const known = this.maps.get(state.key);
    if (known && known.state === state) return known;
    const m: StreamMaps = { state, sets: new Map(), series: new Map(), nextSeries: 0, baselines: new Map() };
    state.sets.forEach((s) => m.sets.set(setKey(s.descriptor), s.index));
    for (const s of state.series.values()) {
      m.series.set(`${s.set}\u0000${JSON.stringify(s.attrs)}`, s.id);
      m.nextSeries = Math.max(m.nextSeries, s.id + 1);
      // After a restart the previous cumulative point is what the store adds up to.
      const e = this.cumulative.entries.get(state.id)?.get(s.id)?.get(0);
      if (e) m.baselines.set(s.id, { start: NaN, time: e.time, value: e.value, count: e.count, buckets: e.buckets ? [...e.buckets] : null });
    }
    this.maps.set(state.key, m);
    return m;
  }

  private build(state: StreamState, rows: PointRows, sm: OtlpScopeMetrics, tally: Tally, bytes: number): ForeignBuild {
    const m = this.mapsFor(state);
    const sets: SetState[] = [];
    const series: SeriesState[] = [];
    let points = 0;
    let start = Infinity;
    let end = -Infinity;
    for (const metric of sm.metrics ?? []) {
      const name = metric.name ?? "";
      const plan = planMetric(metric);
      if (name === "" || name.length > this.limits.maxString) {
        tally.reject(undefined, "metric name is empty or too long", typeof plan === "string" ? 0 : plan.points.length);
        continue;
      }
      if (typeof plan === "string") {
        tally.reject(name, plan, countMetric(metric));
        continue;
      }
      for (const p of plan.points) {
        const v = readPoint(plan, p, this.limits.maxBounds);
        if (v === null) continue;
        if (typeof v === "string") {
          tally.reject(name, v);
          continue;
        }
        const attrs = readAttributes(p.attributes, this.limits);
        if (typeof attrs === "string") {
          tally.reject(name, attrs);
          continue;
        }
        const descriptor: WireSetDescriptor = {
          name,
          brief: metric.description ?? "",
          schemaHash: "otlp",
          attributes: attrs.keys.map((k, i) => ({ name: k, type: attrs.types[i], brief: "" })),
          measures: [],
          fields: [
            {
              name,
              instrument: plan.instrument,
              unit: metric.unit ?? "",
              brief: metric.description ?? "",
              valueType: v.int ? "int" : "double",
              ...(v.bounds ? { bounds: v.bounds } : {}),
            },
          ],
        };
        const sk = setKey(descriptor);
        let setIndex = m.sets.get(sk);
        if (setIndex === undefined) {
          if (state.sets.length + sets.length >= this.limits.maxSets) {
            tally.reject(name, `more than ${this.limits.maxSets} metric shapes on one stream`);
            continue;
          }
          setIndex = state.sets.length + sets.length;
          sets.push(setState(setIndex, descriptor));
          m.sets.set(sk, setIndex);
        }
        const seriesKey = `${setIndex}\u0000${JSON.stringify(attrs.values)}`;
        let id = m.series.get(seriesKey);
        if (id === undefined) {
          if (state.series.size + series.length >= this.limits.maxSeries) {
            tally.reject(name, `more than ${this.limits.maxSeries} series on one stream`);
            continue;
          }
          id = m.nextSeries++;
          series.push({ id, set: setIndex, attrs: attrs.values });
          m.series.set(seriesKey, id);
        }
        const { stored, next } = storedValue(plan, v, m.baselines.get(id));
        if (next) m.baselines.set(id, next);
        tally.accepted++;
        if (!stored) continue;
        const r = rows.push(v.time, state.id, id, 0, 0, stored.value);
        if (plan.kind !== "number") {
          rows.count[r] = stored.count;
          rows.min[r] = stored.min;
          rows.max[r] = stored.max;
          if (stored.buckets) rows.setBuckets(r, stored.buckets);
        }
        points++;
        start = Math.min(start, Number.isNaN(v.start) ? v.time : v.start);
        end = Math.max(end, v.time);
      }
    }
    const now = Date.now();
    return { sets, series, points, start: points ? start : now, end: points ? end : now, bytes };
  }
}

function countMetric(m: OtlpScopeMetrics["metrics"] extends readonly (infer M)[] | undefined ? M : never): number {
  const d = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return d?.dataPoints?.length ?? 0;
}

function countPoints(sm: OtlpScopeMetrics): number {
  let n = 0;
  for (const m of sm.metrics ?? []) n += countMetric(m);
  return n;
}
