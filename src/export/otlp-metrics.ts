// Collector batches as OpenTelemetry ResourceMetrics, the input of the official OTLP serializers
// (@opentelemetry/otlp-transformer). One Resource and one Scope per stream. Data model rules:
// - counters and histograms: delta by default (start = the batch's start, end = its end, so the
//   points of a series are contiguous); cumulative on request (start = the stream's first start);
// - up-down counters: always cumulative sums (non-monotonic), as the wire already carries them;
// - gauges: gauge points stamped with the batch's interval;
// - mmsc: a histogram with no bounds (one bucket = count) plus sum, min and max, which is how
//   OTLP spells min/max/sum/count.
import { ValueType, type Attributes, type HrTime } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType, type DataPoint, type Histogram, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { AttrValue, Batch, WireSetDescriptor } from "../wire/batch.ts";
import { keyField, keySlot, slotValues } from "../wire/batch.ts";
import { foldWire, type Running as WireRunning } from "../wire/fold.ts";
import { StreamCatalog, type CatalogSeries } from "../wire/stream-catalog.ts";

export type Temporality = "delta" | "cumulative";
type Field = WireSetDescriptor["fields"][number];

/** Running totals of one (series, key), for cumulative temporality. */
interface Running extends WireRunning {
  readonly field: Field;
  readonly attributes: Attributes;
  min: number;
  max: number;
}

export const hrTime = (ms: number): HrTime => {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
};

/** True when `v` is exactly representable as OTLP's asInt (int64). */
export const fitsInt64 = (v: number): boolean => v >= -(2 ** 63) && v < 2 ** 63;

export class OtlpMapper {
  private readonly catalog = new StreamCatalog();
  private readonly running = new Map<string, Running>();
  private resource: Record<string, AttrValue> = {};
  private scope = { name: "percore", version: "" };
  private streamStart = NaN;

  constructor(private readonly temporality: Temporality = "delta") {}

  toResourceMetrics(batch: Batch): ResourceMetrics {
    if (batch.open) {
      this.resource = { ...batch.open.resource };
      this.scope = { name: batch.open.sdk.name, version: batch.open.sdk.version };
    }
    if (Number.isNaN(this.streamStart)) this.streamStart = batch.start;
    // A declaration the stream never made is skipped (an exporter must not throw); its points are skipped below.
    this.catalog.declare(batch);
    const metrics = new Map<string, MetricData>();
    const interval = { start: hrTime(batch.start), end: hrTime(batch.end), from: hrTime(this.streamStart) };
    const changed = new Set<string>();
    for (const row of batch.points) {
      const id = row[0] as number;
      const s = this.catalog.series(id);
      if (!s) continue;
      const fc = s.set.fields.length;
      for (let i = 1; i + 1 < row.length; i += 2) {
        const key = row[i] as number;
        const field = s.set.fields[keyField(key, fc)];
        if (!field) continue;
        const attributes = this.attributes(s, keySlot(key, fc));
        const v = row[i + 1];
        const cumulativeKind = field.instrument === "counter" || field.instrument === "histogram" || field.instrument === "mmsc";
        if (this.temporality === "cumulative" && cumulativeKind) {
          const rk = `${id}:${key}`;
          this.accumulate(rk, field, attributes, v);
          changed.add(rk);
          continue;
        }
        this.add(metrics, field, attributes, v, interval, field.instrument === "upDownCounter" ? "cumulative" : "delta");
      }
    }
    if (this.temporality === "cumulative") {
      // Every known series each time: a cumulative consumer should not see series go quiet.
      for (const r of this.running.values()) this.add(metrics, r.field, r.attributes, this.runningValue(r), interval, "cumulative");
    }
    return {
      resource: resourceFromAttributes(this.resource),
      scopeMetrics: [{ scope: this.scope, metrics: [...metrics.values()] }],
    };
  }

  private attributes(s: CatalogSeries, slot: number): Attributes {
    const a: Attributes = { ...s.attributes };
    if (s.set.measures.length > 0) slotValues(slot, s.set.measures).forEach((v, i) => (a[s.set.measures[i].name] = v));
    return a;
  }

  private accumulate(rk: string, field: Field, attributes: Attributes, v: number | readonly number[]): void {
    let r = this.running.get(rk);
    if (!r)
      this.running.set(
        rk,
        (r = {
          field,
          attributes,
          value: 0,
          count: 0,
          buckets: field.instrument === "histogram" ? new Array<number>((field.bounds?.length ?? 0) + 1).fill(0) : null,
          min: Infinity,
          max: -Infinity,
        }),
      );
    foldWire(r, field.instrument, v);
    if (field.instrument === "mmsc" && typeof v !== "number") {
      r.min = Math.min(r.min, v[2]);
      r.max = Math.max(r.max, v[3]);
    }
  }

  /** A running total in the shape of a wire value, so add() handles both temporalities alike. */
  private runningValue(r: Running): number | readonly number[] {
    if (r.field.instrument === "counter") return r.value;
    if (r.field.instrument === "histogram") return [r.value, ...r.buckets!];
    return [r.count, r.value, r.min, r.max];
  }

  private add(
    metrics: Map<string, MetricData>,
    field: Field,
    attributes: Attributes,
    v: number | readonly number[],
    t: { start: HrTime; end: HrTime; from: HrTime },
    temporality: Temporality,
  ): void {
    const id = `${field.name}\u0000${field.instrument}`;
    let m = metrics.get(id);
    const aggregationTemporality = temporality === "delta" ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const descriptor = { name: field.name, description: field.brief, unit: field.unit, valueType: field.valueType === "int" ? ValueType.INT : ValueType.DOUBLE };
    if (!m) {
      switch (field.instrument) {
        case "counter":
        case "upDownCounter":
          m = { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, dataPoints: [], isMonotonic: field.instrument === "counter" };
          break;
        case "gauge":
          m = { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: [] };
          break;
        default:
          // Histogram values are sums of doubles whatever the field's value type.
          m = { descriptor: { ...descriptor, valueType: ValueType.DOUBLE }, aggregationTemporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: [] };
      }
      metrics.set(id, m);
    }
    const startTime = temporality === "cumulative" ? t.from : t.start;
    // asInt is a signed 64-bit integer: a value outside its range would arrive wrapped. The metric
    // goes as asDouble in this request instead (all its points: the value type is per metric).
    if (typeof v === "number" && m.descriptor.valueType === ValueType.INT && !fitsInt64(v))
      (m as { descriptor: MetricData["descriptor"] }).descriptor = { ...m.descriptor, valueType: ValueType.DOUBLE };
    if (typeof v === "number") {
      (m.dataPoints as DataPoint<number>[]).push({ startTime, endTime: t.end, attributes, value: v });
      return;
    }
    let value: Histogram;
    if (field.instrument === "histogram") {
      const counts = v.slice(1);
      let count = 0;
      for (const c of counts) count += c;
      value = { buckets: { boundaries: [...(field.bounds ?? [])], counts }, sum: v[0], count };
    } else {
      value = { buckets: { boundaries: [], counts: [v[0]] }, sum: v[1], count: v[0], ...(v[0] > 0 ? { min: v[2], max: v[3] } : {}) };
    }
    (m.dataPoints as DataPoint<Histogram>[]).push({ startTime, endTime: t.end, attributes, value });
  }
}
