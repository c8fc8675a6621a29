// Prometheus text exposition (format 0.0.4) of the cumulative state. Series with equal names and
// labels from different streams are merged, which is what lets short-lived jobs push deltas and
// still be scraped as one counter: counters and histograms add up, upDownCounters add their
// streams' current values, gauges take the most recent value.
import { slotValues, type AttrValue } from "../wire/batch.ts";
import type { Cumulative, CumulativeEntry } from "./cumulative.ts";
import { seriesAttributes } from "./ingest.ts";

interface Family {
  type: "counter" | "gauge" | "histogram" | "summary";
  help: string;
  bounds?: readonly number[];
  samples: Map<string, { labels: string; e: CumulativeEntry; instrument: string }>;
}

const UNITS: Readonly<Record<string, string>> = {
  By: "bytes", KiBy: "kibibytes", MiBy: "mebibytes", GiBy: "gibibytes", KBy: "kilobytes", MBy: "megabytes", GBy: "gigabytes",
  ms: "milliseconds", s: "seconds", us: "microseconds", ns: "nanoseconds", min: "minutes", h: "hours", d: "days",
  "%": "percent", Hz: "hertz", m: "meters", V: "volts", A: "amperes", J: "joules", W: "watts", g: "grams", Cel: "celsius",
};

function unitWord(u: string): string {
  return UNITS[u] ?? u.replace(/[^a-zA-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/** Unit suffix: `{...}` annotations and "1" drop out, `X/Y` becomes `X_per_Y`. */
export function unitSuffix(unit: string): string {
  const u = unit.replace(/\{[^}]*\}/g, "").trim();
  if (u === "" || u === "1") return "";
  const [num, den] = u.split("/", 2);
  if (den !== undefined) {
    const a = num === "" || num === "1" ? "" : unitWord(num);
    return a === "" ? `per_${unitWord(den)}` : `${a}_per_${unitWord(den)}`;
  }
  return unitWord(u);
}

export function metricName(name: string, unit: string, type: string): string {
  let n = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  if (/^[0-9]/.test(n)) n = "_" + n;
  const suffix = unitSuffix(unit);
  if (suffix && !n.endsWith("_" + suffix)) n += "_" + suffix;
  if (type === "counter" && !n.endsWith("_total")) n += "_total";
  return n;
}

export const labelName = (k: string): string => {
  const n = k.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(n) ? "_" + n : n;
};
export const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

export function formatNumber(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Number.isNaN(v)) return "NaN";
  return String(v);
}

function labelText(attrs: Record<string, AttrValue>): string {
  const keys = Object.keys(attrs).sort();
  return keys.map((k) => `${labelName(k)}="${escapeLabel(String(attrs[k]))}"`).join(",");
}

const TYPE: Readonly<Record<string, Family["type"]>> = { counter: "counter", upDownCounter: "gauge", gauge: "gauge", histogram: "histogram", mmsc: "summary" };

export function renderPrometheus(c: Cumulative): string {
  const families = new Map<string, Family>();
  for (const [streamId, bySeries] of c.entries) {
    const stream = c.catalog.get(streamId);
    if (!stream) continue;
    const service = stream.open?.resource["service.name"];
    for (const [seriesId, byKey] of bySeries) {
      const series = stream.series.get(seriesId);
      if (!series) continue;
      const set = stream.sets[series.set];
      const base: Record<string, AttrValue> = { ...(seriesAttributes(stream, series) ?? { "otel.metric.overflow": "true" }) };
      if (service !== undefined) base["service.name"] = service;
      for (const [key, e] of byKey) {
        const field = set.descriptor.fields[key % set.fieldCount];
        const slot = Math.floor(key / set.fieldCount);
        const attrs = { ...base };
        if (set.descriptor.measures.length > 0) slotValues(slot, set.descriptor.measures).forEach((v, i) => (attrs[set.descriptor.measures[i].name] = v));
        const type = TYPE[field.instrument];
        const name = metricName(field.name, field.unit, type);
        let fam = families.get(name);
        if (!fam) families.set(name, (fam = { type, help: field.brief, ...(field.bounds ? { bounds: field.bounds } : {}), samples: new Map() }));
        if (fam.type !== type) continue; // same name declared with another instrument elsewhere: first one wins
        const labels = labelText(attrs);
        const prev = fam.samples.get(labels);
        if (!prev) {
          fam.samples.set(labels, { labels, e: { ...e, buckets: e.buckets ? [...e.buckets] : null }, instrument: field.instrument });
        } else if (field.instrument === "gauge") {
          if (e.time >= prev.e.time) prev.e = { ...e };
        } else {
          prev.e.value += e.value;
          prev.e.count += e.count;
          if (e.buckets && prev.e.buckets) for (let j = 0; j < e.buckets.length; j++) prev.e.buckets[j] = (prev.e.buckets[j] ?? 0) + e.buckets[j];
        }
      }
    }
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    const base = name;
    out.push(`# HELP ${base} ${escapeHelp(f.help)}`, `# TYPE ${base} ${f.type}`);
    for (const { labels, e } of [...f.samples.values()].sort((a, b) => (a.labels < b.labels ? -1 : 1))) {
      const l = (extra?: string) => {
        const all = [labels, extra].filter(Boolean).join(",");
        return all ? `{${all}}` : "";
      };
      if (f.type === "histogram") {
        let acc = 0;
        const bounds = f.bounds ?? [];
        const buckets = e.buckets ?? [];
        for (let j = 0; j < bounds.length; j++) {
          acc += buckets[j] ?? 0;
          out.push(`${base}_bucket${l(`le="${formatNumber(bounds[j])}"`)} ${formatNumber(acc)}`);
        }
        out.push(`${base}_bucket${l('le="+Inf"')} ${formatNumber(e.count)}`);
        out.push(`${base}_sum${l()} ${formatNumber(e.value)}`, `${base}_count${l()} ${formatNumber(e.count)}`);
      } else if (f.type === "summary") {
        out.push(`${base}_sum${l()} ${formatNumber(e.value)}`, `${base}_count${l()} ${formatNumber(e.count)}`);
      } else {
        out.push(`${name}${l()} ${formatNumber(e.value)}`);
      }
    }
  }
  return out.join("\n") + "\n";
}
