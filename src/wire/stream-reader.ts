// Decodes the batches of one stream into readable points, keeping the stream's declarations
// (sets and series, see stream-catalog.ts) between batches. Used by the console exporter and by
// tests; it checks the references it follows and says what is wrong instead of guessing.
import type { AttrValue, Batch, Resource, WireSetDescriptor } from "./batch.ts";
import { keyField, keySlot, slotValues } from "./batch.ts";
import { StreamCatalog } from "./stream-catalog.ts";
import { WireError } from "./wire-error.ts";

export interface DecodedPoint {
  readonly series: number;
  readonly set: string;
  readonly metric: string;
  readonly instrument: WireSetDescriptor["fields"][number]["instrument"];
  readonly unit: string;
  /** Entity attributes; `{ "otel.metric.overflow": true }` for the overflow series. */
  readonly attributes: Readonly<Record<string, AttrValue>>;
  /** Measurement attributes of the point's slot. */
  readonly measures: Readonly<Record<string, string>>;
  readonly value: number | readonly number[];
}

export class StreamReader {
  readonly catalog = new StreamCatalog();

  get resource(): Resource | undefined {
    return this.catalog.resource;
  }

  get sets(): readonly WireSetDescriptor[] {
    return this.catalog.sets;
  }

  read(batch: Batch): DecodedPoint[] {
    const { error } = this.catalog.declare(batch);
    if (error) throw error;
    const out: DecodedPoint[] = [];
    for (const row of batch.points) {
      const id = row[0] as number;
      const series = this.catalog.series(id);
      if (!series) throw new WireError("E_UNKNOWN_SERIES", `points refer to series ${id}, which the stream has not declared`);
      const { set, attributes } = series;
      const fieldCount = set.fields.length;
      for (let i = 1; i + 1 < row.length; i += 2) {
        const key = row[i] as number;
        const field = set.fields[keyField(key, fieldCount)];
        const slot = keySlot(key, fieldCount);
        const values = slotValues(slot, set.measures);
        if (!field || values.some((v) => v === undefined)) throw new WireError("E_UNKNOWN_FIELD", `series ${id}: key ${key} is outside set ${set.name}`);
        const measures: Record<string, string> = {};
        set.measures.forEach((m, k) => (measures[m.name] = values[k]));
        out.push({ series: id, set: set.name, metric: field.name, instrument: field.instrument, unit: field.unit, attributes, measures, value: row[i + 1] });
      }
    }
    return out;
  }
}
