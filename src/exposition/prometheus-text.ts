// The Prometheus exposition, written once for both producers: the SDK's pull endpoint and the
// telemetry server's /metrics build families of samples, and this module writes them as text
// format 0.0.4 or OpenMetrics 1.0, chosen from the scrape's Accept header.
//
// Samples carry pre-rendered label text (`a="x",b="y"`), so a scrape is a loop of string
// concatenations: no per-sample objects, no sorting of samples, no escaping of unchanged labels.
import { escapeHelp, formatNumber } from "./prometheus-naming.ts";

export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "info";
export type ExpositionFormat = "text" | "openmetrics";

export interface ExpositionSample {
  /** Label pairs without braces, e.g. `route="/a",worker_id="1"`; "" for none. */
  readonly labels: string;
  /** counter, gauge: the value; histogram, summary: the sum of observations. */
  readonly value: number;
  /** histogram, summary: the number of observations. */
  readonly count: number;
  /** histogram: per-bucket counts (not cumulative), one per bound (the +Inf bucket is `count`). */
  readonly buckets: ArrayLike<number> | null;
  /**
   * Where a producer keeps samples between scrapes, the renderer caches each sample's line
   * prefixes here (`name{labels} `), so a repeated scrape only formats numbers.
   */
  prefix?: { format: ExpositionFormat; lines: string[] };
}

export interface ExpositionFamily {
  /** Family name: sanitized, with the unit suffix, without `_total` (added to counter samples). */
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  /** Unit word for OpenMetrics `# UNIT` (the name's suffix), "" for none. */
  readonly unit: string;
  /** Factor applied to values, sums and bounds (1 unless converted to a base unit). */
  readonly scale: number;
  readonly bounds: readonly number[] | null;
  readonly samples: readonly ExpositionSample[];
  /** True when the samples live on between scrapes: their line prefixes are then cached on them. */
  readonly persistent?: boolean;
}

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** OpenMetrics when the scraper asks for it (Prometheus does by default), else text 0.0.4. */
export function negotiate(accept: string | undefined): { format: ExpositionFormat; contentType: string } {
  return accept && /application\/openmetrics-text/i.test(accept)
    ? { format: "openmetrics", contentType: OPENMETRICS_CONTENT_TYPE }
    : { format: "text", contentType: TEXT_CONTENT_TYPE };
}

/** Sample names a family writes: a second family claiming one of them would make the exposition invalid. */
export function sampleNames(name: string, type: FamilyType): string[] {
  switch (type) {
    case "counter":
      return [name, name + "_total", name + "_created"];
    case "histogram":
      return [name, name + "_bucket", name + "_count", name + "_sum", name + "_created"];
    case "summary":
      return [name, name + "_count", name + "_sum", name + "_created"];
    case "info":
      return [name, name.replace(/_info$/, "")];
    default:
      return [name];
  }
}

/** Tracks the names families use, so two metrics that sanitize to clashing names cannot both appear. */
export class NameClaims {
  private readonly taken = new Map<string, string>();

  /** True when `name` (of `type`) may be used; the same family claiming again is fine. */
  claim(name: string, type: FamilyType): boolean {
    const owner = `${name}\u0000${type}`;
    const names = sampleNames(name, type);
    for (const n of names) {
      const by = this.taken.get(n);
      if (by !== undefined && by !== owner) return false;
    }
    for (const n of names) this.taken.set(n, owner);
    return true;
  }
}

const braces = (labels: string): string => (labels ? `{${labels}}` : "");
const withLabel = (labels: string, extra: string): string => `{${labels ? labels + "," : ""}${extra}}`;

/**
 * Multiplies by `scale`, dividing by its inverse when that is a whole number: 10 us is exactly
 * 0.00001 s that way, where 10 * 1e-6 prints 0.000009999999999999999.
 */
export function scaler(scale: number): (v: number) => number {
  if (scale === 1) return (v) => v;
  const inv = Math.round(1 / scale);
  return scale < 1 && Math.abs(1 / scale - inv) < 1e-6 ? (v) => v / inv : (v) => v * scale;
}

function leLabels(bounds: readonly number[], scale: (v: number) => number): string[] {
  return bounds.map((b) => `le="${formatNumber(scale(b))}"`);
}

/** Writes one family; returns "" for a family without samples (nothing worth a HELP line). */
export function renderFamily(f: ExpositionFamily, format: ExpositionFormat): string {
  if (f.samples.length === 0) return "";
  const om = format === "openmetrics";
  const scale = scaler(f.scale);
  // Text 0.0.4 names a counter family by its sample name (x_total); OpenMetrics by the bare name.
  const typeName = f.type === "info" && om ? f.name.replace(/_info$/, "") : f.type === "counter" && !om ? f.name + "_total" : f.name;
  const typeWord = f.type === "info" ? (om ? "info" : "gauge") : f.type;
  let out = `# HELP ${typeName} ${escapeHelp(f.help, om)}\n# TYPE ${typeName} ${typeWord}\n`;
  if (om && f.unit && f.type !== "info") out += `# UNIT ${typeName} ${f.unit}\n`;
  const samples = f.samples;
  const n = samples.length;
  const keep = f.persistent === true;
  switch (f.type) {
    case "histogram": {
      const bounds = f.bounds ?? [];
      const le = leLabels(bounds, scale);
      for (let i = 0; i < n; i++) {
        const s = samples[i];
        const p = prefixes(s, format, keep, () => histogramPrefixes(f.name, s.labels, le));
        const b = s.buckets;
        let acc = 0;
        for (let j = 0; j < le.length; j++) {
          acc += b ? (b[j] ?? 0) : 0;
          out += p[j] + formatNumber(acc) + "\n";
        }
        // +Inf equals _count by definition, whatever rounding the partial sums met.
        const count = formatNumber(s.count);
        out += p[le.length] + count + "\n" + p[le.length + 1] + formatNumber(scale(s.value)) + "\n" + p[le.length + 2] + count + "\n";
      }
      return out;
    }
    case "summary":
      for (let i = 0; i < n; i++) {
        const s = samples[i];
        const p = prefixes(s, format, keep, () => [`${f.name}_sum${braces(s.labels)} `, `${f.name}_count${braces(s.labels)} `]);
        out += p[0] + formatNumber(scale(s.value)) + "\n" + p[1] + formatNumber(s.count) + "\n";
      }
      return out;
    default: {
      const sampleName = f.type === "counter" ? f.name + "_total" : f.name;
      for (let i = 0; i < n; i++) {
        const s = samples[i];
        const p = prefixes(s, format, keep, () => [`${sampleName}${braces(s.labels)} `]);
        out += p[0] + formatNumber(scale(s.value)) + "\n";
      }
      return out;
    }
  }
}

function histogramPrefixes(name: string, labels: string, le: readonly string[]): string[] {
  const out = le.map((l) => `${name}_bucket${withLabel(labels, l)} `);
  out.push(`${name}_bucket${withLabel(labels, 'le="+Inf"')} `, `${name}_sum${braces(labels)} `, `${name}_count${braces(labels)} `);
  return out;
}

/** The sample's cached line prefixes for this format, made on first use. */
function prefixes(s: ExpositionSample, format: ExpositionFormat, keep: boolean, make: () => string[]): string[] {
  if (!keep) return make();
  const c = s.prefix;
  if (c && c.format === format) return c.lines;
  const lines = make();
  s.prefix = { format, lines };
  return lines;
}

/** The whole exposition. OpenMetrics ends with `# EOF`. */
export function renderExposition(families: Iterable<ExpositionFamily>, format: ExpositionFormat): string {
  let out = "";
  for (const f of families) out += renderFamily(f, format);
  if (format === "openmetrics") out += "# EOF\n";
  return out;
}
