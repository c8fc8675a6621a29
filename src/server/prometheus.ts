// The server's /metrics: the cumulative state of every stream, written by the same exposition
// code as the SDK's endpoint (src/export/prometheus-text.ts), so both follow the same naming.
// Series with equal names and labels from different streams are merged, which is what lets
// short-lived jobs push deltas and still be scraped as one counter: counters and histograms add
// up, upDownCounters add their streams' current values, gauges take the most recent value.
// Every sample carries `service_name`; `target_info` has one sample per service.
import { familyName, labelPairs, type UnitMode } from "../export/prometheus-naming.ts";
import { PROM_TYPE } from "../export/prometheus-state.ts";
import { NameClaims, renderExposition, type ExpositionFamily, type ExpositionFormat } from "../export/prometheus-text.ts";
import { slotValues, type AttrValue } from "../wire/batch.ts";
import type { Cumulative, CumulativeEntry } from "./cumulative.ts";
import { seriesAttributes } from "./ingest.ts";

interface Sample {
  labels: string;
  value: number;
  count: number;
  buckets: number[] | null;
  time: number;
}

interface Family extends ExpositionFamily {
  readonly instrument: string;
  readonly samples: Sample[];
  readonly byLabels: Map<string, Sample>;
}

export function prometheusFamilies(c: Cumulative, units: UnitMode = "base"): ExpositionFamily[] {
  const families = new Map<string, Family>();
  const claims = new NameClaims();
  claims.claim("target_info", "info");
  const services = new Map<string, Map<string, string> | null>();
  for (const [streamId, bySeries] of c.entries) {
    const stream = c.catalog.get(streamId);
    if (!stream) continue;
    const resource = stream.open?.resource ?? {};
    const service = String(resource["service.name"] ?? "unknown_service");
    noteService(services, service, resource);
    for (const [seriesId, byKey] of bySeries) {
      const series = stream.series.get(seriesId);
      if (!series) continue;
      const set = stream.sets[series.set];
      const base: Record<string, AttrValue> = { ...(seriesAttributes(stream, series) ?? { "otel.metric.overflow": "true" }), "service.name": service };
      const slotLabels = new Map<number, string>();
      for (const [key, e] of byKey) {
        const field = set.descriptor.fields[key % set.fieldCount];
        if (!field) continue;
        const slot = Math.floor(key / set.fieldCount);
        const type = PROM_TYPE[field.instrument];
        const named = familyName(field.name, field.unit, type === "counter", units);
        let fam = families.get(named.name);
        if (!fam) {
          if (!claims.claim(named.name, type)) continue;
          fam = { name: named.name, type, instrument: field.instrument, help: field.brief || field.name, unit: named.unit, scale: named.scale, bounds: field.bounds ? [...field.bounds] : null, samples: [], byLabels: new Map() };
          families.set(named.name, fam);
        }
        // Same name declared with another instrument or other bounds elsewhere: the first one wins.
        if (fam.instrument !== field.instrument || JSON.stringify(fam.bounds) !== JSON.stringify(field.bounds ?? null)) continue;
        let labels = slotLabels.get(slot);
        if (labels === undefined) {
          const attrs = { ...base };
          if (set.descriptor.measures.length > 0) slotValues(slot, set.descriptor.measures).forEach((v, i) => (attrs[set.descriptor.measures[i].name] = v));
          labels = labelPairs(attrs);
          slotLabels.set(slot, labels);
        }
        merge(fam, labels, e);
      }
    }
  }
  const sorted = [...families.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const f of sorted) f.samples.sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
  return [targetInfo(services), ...sorted];
}

function merge(fam: Family, labels: string, e: CumulativeEntry): void {
  const prev = fam.byLabels.get(labels);
  if (!prev) {
    const s: Sample = { labels, value: e.value, count: e.count, buckets: e.buckets ? [...e.buckets] : null, time: e.time };
    fam.byLabels.set(labels, s);
    fam.samples.push(s);
  } else if (fam.instrument === "gauge") {
    if (e.time >= prev.time) (prev.value = e.value), (prev.time = e.time);
  } else {
    prev.value += e.value;
    prev.count += e.count;
    if (e.buckets) {
      prev.buckets ??= new Array<number>(e.buckets.length).fill(0);
      for (let j = 0; j < e.buckets.length; j++) prev.buckets[j] = (prev.buckets[j] ?? 0) + e.buckets[j];
    }
  }
}

/** Resource attributes every stream of a service agrees on (per-process ones like the pid drop out). */
function noteService(services: Map<string, Map<string, string> | null>, service: string, resource: Readonly<Record<string, AttrValue>>): void {
  const seen = services.get(service);
  const attrs = new Map(Object.entries(resource).map(([k, v]) => [k, String(v)]));
  if (seen === undefined) services.set(service, attrs);
  else if (seen) for (const [k, v] of seen) if (attrs.get(k) !== v) seen.delete(k);
}

function targetInfo(services: Map<string, Map<string, string> | null>): ExpositionFamily {
  const samples = [...services.entries()]
    .map(([service, attrs]) => ({ labels: labelPairs({ ...Object.fromEntries(attrs ?? []), "service.name": service }), value: 1, count: 0, buckets: null }))
    .sort((a, b) => (a.labels < b.labels ? -1 : 1));
  return { name: "target_info", type: "info", help: "Target metadata: the resource attributes shared by every stream of a service", unit: "", scale: 1, bounds: null, samples };
}

export function renderPrometheus(c: Cumulative, format: ExpositionFormat = "text", units: UnitMode = "base"): string {
  return renderExposition(prometheusFamilies(c, units), format);
}
