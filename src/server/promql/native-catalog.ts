// The SDK's and OTLP's own metrics as Prometheus series: the names and labels `/metrics` gives
// them (base units, `_total`, `_bucket{le}`/`_sum`/`_count`, attributes as labels), plus `job` and
// `instance` from the resource (service.name, service.instance.id) the way a scrape adds them.
// Built from the cumulative view's catalog, so it lists exactly the series that have data.
import { familyName, labelMap, type UnitMode } from "../../exposition/prometheus-naming.ts";
import { PROM_TYPE } from "../../exposition/prometheus-types.ts";
import { scaler } from "../../exposition/prometheus-text.ts";
import { keyField, keySlot, slotValues, type AttrValue } from "../../wire/batch.ts";
import type { Cumulative } from "../query/cumulative.ts";
import { seriesAttributes, type StreamState } from "../ingest/stream-state.ts";
import type { Labels } from "./labels.ts";

/** Which number of a stored point a Prometheus series shows. */
export type NativePart =
  | { readonly kind: "counter" }
  | { readonly kind: "gauge" }
  /** upDownCounter: a current value, but series merged across streams add up. */
  | { readonly kind: "updown" }
  | { readonly kind: "sum" }
  | { readonly kind: "count" }
  /** Cumulative bucket count up to and including bucket `upTo` (`le` = its bound). */
  | { readonly kind: "bucket"; readonly upTo: number }
  /** mmsc (forwarding only): the smallest and largest value of the interval a point covers. */
  | { readonly kind: "min" }
  | { readonly kind: "max" };

export interface NativeSeries {
  readonly labels: Labels;
  readonly stream: number;
  readonly series: number;
  readonly slot: number;
  readonly field: number;
  readonly part: NativePart;
  /** Applied to sums and gauge values (ms shown as seconds). */
  readonly scale: (v: number) => number;
  /** The factor `scale` applies (a function does not cross to a worker thread; this does). */
  readonly scaleBy: number;
  /** The family, for /api/v1/metadata. */
  readonly family: { readonly name: string; readonly type: string; readonly help: string; readonly unit: string };
}

function withScrapeLabels(attrs: Map<string, string>, resource: Readonly<Record<string, AttrValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of attrs) if (v !== "") out[k] = v;
  // Like a scrape with honor_labels: false, the target's job/instance win; clashing ones are kept as exported_*.
  for (const [label, key] of [
    ["job", "service.name"],
    ["instance", "service.instance.id"],
  ] as const) {
    const v = resource[key];
    if (v === undefined || v === "") continue;
    if (out[label] !== undefined) out[`exported_${label}`] = out[label];
    out[label] = String(v);
  }
  return out;
}

export function nativeCatalog(c: Cumulative, units: UnitMode): NativeSeries[] {
  const out: NativeSeries[] = [];
  for (const [streamId, bySeries] of c.entries) {
    const stream = c.catalog.get(streamId);
    if (!stream) continue;
    for (const [seriesId, byKey] of bySeries) for (const key of byKey.keys()) out.push(...entrySeries(stream, seriesId, key, units));
  }
  return out;
}

/**
 * The Prometheus series one cumulative entry (stream, series, key = slot and field) shows as: the
 * one naming path behind the PromQL API and remote-write forwarding. mmsc fields show as `/metrics`
 * shows them, a summary without quantiles (`_sum`, `_count`); forwarding (`mmscMinMax`) also sends
 * `_min`/`_max` of each interval, which a Prometheus summary has no place for.
 */
export function entrySeries(
  stream: StreamState,
  seriesId: number,
  key: number,
  units: UnitMode,
  mmscMinMax = false,
  /** The labels of this (stream, series) by slot, kept by a caller that names many of its keys (forwarding). */
  labelsBySlot?: Map<number, Labels>,
): NativeSeries[] {
  const out: NativeSeries[] = [];
  const decl = stream.series.get(seriesId);
  if (!decl) return out;
  const resource = stream.open?.resource ?? {};
  const set = stream.sets[decl.set];
  const fieldIndex = keyField(key, set.fieldCount),
    slot = keySlot(key, set.fieldCount);
  const field = set.descriptor.fields[fieldIndex];
  if (!field) return out;
  const type = PROM_TYPE[field.instrument];
  const named = familyName(field.name, field.unit, type === "counter", units);
  let labels = labelsBySlot?.get(slot);
  if (!labels) {
    const service = String(resource["service.name"] ?? "unknown_service");
    const attrs: Record<string, AttrValue> = { ...seriesAttributes(stream, decl), "service.name": service };
    if (set.descriptor.measures.length > 0) slotValues(slot, set.descriptor.measures).forEach((v, i) => (attrs[set.descriptor.measures[i].name] = v));
    labels = withScrapeLabels(labelMap(attrs), resource);
    labelsBySlot?.set(slot, labels);
  }
  const scale = scaler(named.scale);
  const family = { name: named.name, type, help: field.brief || field.name, unit: named.unit };
  const base = { stream: stream.id, series: seriesId, slot, field: fieldIndex, scale, scaleBy: named.scale, family };
  const add = (name: string, part: NativePart, extra: Record<string, string> = {}) => out.push({ ...base, labels: { ...labels, ...extra, __name__: name }, part });
  if (type === "counter") add(`${named.name}_total`, { kind: "counter" });
  else if (type === "gauge") add(named.name, { kind: field.instrument === "upDownCounter" ? "updown" : "gauge" });
  else if (type === "summary") {
    add(`${named.name}_sum`, { kind: "sum" });
    add(`${named.name}_count`, { kind: "count" });
    if (mmscMinMax) {
      add(`${named.name}_min`, { kind: "min" });
      add(`${named.name}_max`, { kind: "max" });
    }
  } else {
    const bounds = field.bounds ?? [];
    bounds.forEach((b, j) => add(`${named.name}_bucket`, { kind: "bucket", upTo: j }, { le: formatLe(scale(b)) }));
    add(`${named.name}_bucket`, { kind: "count" }, { le: "+Inf" });
    add(`${named.name}_sum`, { kind: "sum" });
    add(`${named.name}_count`, { kind: "count" });
  }
  return out;
}

function formatLe(v: number): string {
  return v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
}
