// The cumulative view behind the SDK's Prometheus endpoint: every batch the collector emits is
// folded into running totals (counters and histograms add their deltas; gauges and up-down
// counters keep the latest value). Entries are created once per (series, key) with their label
// text rendered then, so a scrape only formats numbers.
import type { AttrValue, Batch, Resource, WireSetDescriptor } from "../wire/batch.ts";
import { keyField, keySlot, slotValues } from "../wire/batch.ts";
import { foldWire } from "../wire/fold.ts";
import { StreamCatalog } from "../wire/stream-catalog.ts";
import { escapeLabelValue, familyName, labelName, labelPairs, type UnitMode } from "../exposition/prometheus-naming.ts";
import { NameClaims, type ExpositionFamily, type ExpositionSample } from "../exposition/prometheus-text.ts";
import { PROM_TYPE } from "../exposition/prometheus-types.ts";

type Field = WireSetDescriptor["fields"][number];

/** Mutable sample: the exposition reads it as it is at scrape time. */
interface Entry extends ExpositionSample {
  labels: string;
  value: number;
  count: number;
  buckets: Float64Array | null;
}

interface Family extends ExpositionFamily {
  readonly samples: Entry[];
  readonly byLabels: Map<string, Entry>;
}

interface SeriesInfo {
  readonly set: WireSetDescriptor;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Entry per point key; null when the field's family could not be exposed (name clash). */
  readonly entries: Map<number, Entry | null>;
  readonly slotLabels: Map<number, string>;
}

interface StreamInfo {
  readonly catalog: StreamCatalog;
  readonly series: Map<number, SeriesInfo>;
}

export class PrometheusState {
  private readonly streams = new Map<string, StreamInfo>();
  private readonly families = new Map<string, Family>();
  private readonly claims = new NameClaims();
  private readonly byField = new WeakMap<Field, Family | null>();
  private readonly layouts = new Map<WireSetDescriptor, [string, number][] | null>();
  private readonly escaped = new WeakMap<SeriesInfo, string[]>();
  private sorted: Family[] = [];
  private dirty = false;
  resource: Resource | undefined;
  /** Fields that could not be exposed because their name clashes with another family. */
  skipped = 0;

  constructor(private readonly units: UnitMode = "base") {
    this.claims.claim("target_info", "info");
  }

  apply(batch: Batch): void {
    let stream = this.streams.get(batch.stream);
    if (!stream) this.streams.set(batch.stream, (stream = { catalog: new StreamCatalog(), series: new Map() }));
    if (batch.open) this.resource = batch.open.resource;
    // Undeclared references are skipped (an exporter must not throw), their points below too.
    for (const s of stream.catalog.declare(batch).series) stream.series.set(s.id, { set: s.set, attrs: s.attributes, entries: new Map(), slotLabels: new Map() });
    for (const row of batch.points) {
      const series = stream.series.get(row[0] as number);
      if (!series) continue;
      const fields = series.set.fields;
      const fc = fields.length;
      for (let i = 1; i + 1 < row.length; i += 2) {
        const key = row[i] as number;
        let e = series.entries.get(key);
        if (e === undefined) {
          e = this.entry(series, key);
          series.entries.set(key, e);
        }
        if (e === null) continue;
        foldWire(e, fields[keyField(key, fc)].instrument, row[i + 1]);
      }
    }
  }

  private entry(series: SeriesInfo, key: number): Entry | null {
    const fc = series.set.fields.length;
    const field = series.set.fields[keyField(key, fc)];
    const slot = keySlot(key, fc);
    if (!field) return null;
    let fam = this.byField.get(field);
    if (fam === undefined) {
      fam = this.family(field);
      this.byField.set(field, fam);
    }
    if (fam === null) return this.skip();
    const type = fam.type;
    let labels = series.slotLabels.get(slot);
    if (labels === undefined) {
      labels = this.labels(series, slot);
      series.slotLabels.set(slot, labels);
    }
    // Two series with the same labels (possible across sets sharing a metric name) share one sample.
    const shared = fam.byLabels.get(labels);
    if (shared) return shared;
    const e: Entry = { labels, value: 0, count: 0, buckets: type === "histogram" ? new Float64Array((field.bounds?.length ?? 0) + 1) : null };
    fam.byLabels.set(labels, e);
    fam.samples.push(e);
    return e;
  }

  /**
   * Label text of one (series, slot). The order of label names is worked out once per set; a
   * series' entity values are escaped once; so a new sample costs a few concatenations. Sets whose
   * names collide after sanitizing (or overflow series) take the general labelPairs path.
   */
  private labels(series: SeriesInfo, slot: number): string {
    const set = series.set;
    let layout = this.layouts.get(set);
    if (layout === undefined) this.layouts.set(set, (layout = setLayout(set)));
    const overflow = series.attrs["otel.metric.overflow"] !== undefined;
    if (layout === null || overflow) {
      const attrs: Record<string, AttrValue> = { ...series.attrs };
      if (set.measures.length > 0) slotValues(slot, set.measures).forEach((v, i) => (attrs[set.measures[i].name] = v));
      return labelPairs(attrs);
    }
    let entity = this.escaped.get(series);
    if (entity === undefined) {
      entity = set.attributes.map((a) => escapeLabelValue(String(series.attrs[a.name] ?? "")));
      if (entity.length < Object.keys(series.attrs).length) entity.push(escapeLabelValue(String(series.attrs["thread.id"] ?? "")));
      this.escaped.set(series, entity);
    }
    const measures = set.measures.length > 0 ? slotValues(slot, set.measures) : [];
    let out = "";
    for (const [name, index] of layout) {
      const v = index >= 0 ? entity[index] : escapeLabelValue(measures[-index - 1]);
      out += (out ? "," : "") + name + '="' + v + '"';
    }
    return out;
  }

  /** The family a field's samples go to; null when its name clashes with another family. */
  private family(field: Field): Family | null {
    const type = PROM_TYPE[field.instrument];
    const named = familyName(field.name, field.unit, type === "counter", this.units);
    let fam = this.families.get(named.name);
    if (!fam) {
      if (!this.claims.claim(named.name, type)) return null;
      const bounds = field.bounds ? [...field.bounds] : null;
      fam = { name: named.name, type, help: field.brief || field.name, unit: named.unit, scale: named.scale, bounds, samples: [], byLabels: new Map(), persistent: true };
      this.families.set(named.name, fam);
      this.dirty = true;
    } else if (fam.type !== type || !sameBounds(fam.bounds, field.bounds)) return null;
    return fam;
  }

  private skip(): null {
    this.skipped++;
    return null;
  }

  /** Families sorted by name, plus `target_info` from the resource. */
  snapshot(): ExpositionFamily[] {
    if (this.dirty) {
      this.sorted = [...this.families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.dirty = false;
    }
    const info = this.targetInfo();
    return info ? [info, ...this.sorted] : this.sorted;
  }

  private targetInfo(): ExpositionFamily | undefined {
    if (!this.resource) return undefined;
    const labels = labelPairs(this.resource);
    return { name: "target_info", type: "info", help: "Target metadata", unit: "", scale: 1, bounds: null, samples: [{ labels, value: 1, count: 0, buckets: null }] };
  }

  /** Number of exposed samples (series x fields x measurement slots). */
  get size(): number {
    let n = 0;
    for (const f of this.families.values()) n += f.samples.length;
    return n;
  }
}

/**
 * Label names of a set in exposition order: [name, index] with index >= 0 for entity attribute
 * `index` (the thread id last), < 0 for measure `-index - 1`. Null when two keys sanitize to the
 * same label name (labelPairs merges those).
 */
function setLayout(set: WireSetDescriptor): [string, number][] | null {
  const keys: [string, number][] = set.attributes.map((a, i) => [labelName(a.name), i]);
  set.measures.forEach((m, i) => keys.push([labelName(m.name), -i - 1]));
  if (new Set(keys.map((k) => k[0])).size !== keys.length) return null;
  return keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function sameBounds(a: readonly number[] | null, b: readonly number[] | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
