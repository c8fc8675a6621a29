// Decodes the batches of one stream into readable points, keeping the stream's declarations
// (sets and series) between batches. Used by the console exporter and by tests; it checks the
// references it follows and says what is wrong instead of guessing.
import type { AttrValue, Batch, Resource, WireSetDescriptor } from "./batch.ts";
import { keyField, keySlot, slotValues } from "./batch.ts";

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

export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class StreamReader {
  resource: Resource | undefined;
  readonly sets: WireSetDescriptor[] = [];
  private readonly seriesById = new Map<number, { set: WireSetDescriptor; attributes: Record<string, AttrValue> }>();

  read(batch: Batch): DecodedPoint[] {
    if (batch.open) this.resource = batch.open.resource;
    for (const s of batch.sets ?? []) this.sets.push(s);
    for (const [id, setIndex, attrs] of batch.series ?? []) {
      const set = this.sets[setIndex];
      if (!set) throw new WireError("E_UNKNOWN_SET", `series ${id} refers to set ${setIndex}, which the stream has not declared`);
      const attributes: Record<string, AttrValue> = {};
      if (attrs === null) attributes["otel.metric.overflow"] = true;
      else set.attributes.forEach((a, i) => (attributes[a.name] = attrs[i]));
      this.seriesById.set(id, { set, attributes });
    }
    const out: DecodedPoint[] = [];
    for (const row of batch.points) {
      const id = row[0] as number;
      const series = this.seriesById.get(id);
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
