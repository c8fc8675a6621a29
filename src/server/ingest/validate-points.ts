// Checks series declarations and decodes points straight into the columnar PointRows buffer.
// Every id must resolve against what the stream declared (in this batch or earlier ones) and
// every value must have the shape its instrument calls for; the first violation rejects the
// whole batch with the path of the offending element.
import { keyField, keySlot, type AttrValue } from "../../wire/batch.ts";
import { serverError, type ServerError } from "../errors.ts";
import type { Limits } from "./limits.ts";
import type { PointRows } from "./point-rows.ts";
import type { SeriesState, SetState } from "./stream-state.ts";
import { checkAttrValue } from "./validate-declarations.ts";

export function checkSeries(
  raw: readonly unknown[],
  sets: readonly SetState[],
  known: ReadonlyMap<number, SeriesState>,
  threadView: boolean,
  limits: Limits,
): SeriesState[] | ServerError {
  const out: SeriesState[] = [];
  const fresh = new Map<number, SeriesState>();
  for (let i = 0; i < raw.length; i++) {
    const where = `series[${i}]`;
    const d = raw[i];
    if (!Array.isArray(d) || d.length !== 3) return serverError("E_BAD_BATCH", "a series is [id, set, attributes]", where);
    const [id, set, attrs] = d as unknown[];
    if (!Number.isSafeInteger(id) || (id as number) < 0 || (id as number) > 0x7fffffff)
      return serverError("E_BAD_BATCH", "series id must be an integer in [0, 2^31)", `${where}[0]`);
    if (!Number.isSafeInteger(set) || (set as number) < 0 || (set as number) >= sets.length) {
      return serverError("E_UNKNOWN_SET", `set ${JSON.stringify(set)} was not declared on this stream (${sets.length} sets)`, `${where}[1]`);
    }
    const s = sets[set as number];
    let values: AttrValue[] | null = null;
    if (attrs !== null) {
      const expected = s.descriptor.attributes.length + (threadView ? 1 : 0);
      if (!Array.isArray(attrs) || attrs.length !== expected) {
        return serverError("E_BAD_BATCH", `set ${s.descriptor.name} takes ${expected} attribute values`, `${where}[2]`);
      }
      values = [];
      for (let j = 0; j < attrs.length; j++) {
        const v = checkAttrValue(attrs[j], `${where}[2][${j}]`, limits);
        if (typeof v === "object") return v;
        const type = s.descriptor.attributes[j]?.type ?? "int";
        const ok = type === "string" ? typeof v === "string" : type === "boolean" ? typeof v === "boolean" : typeof v === "number";
        if (!ok) return serverError("E_BAD_VALUE", `attribute ${s.descriptor.attributes[j]?.name ?? "thread.id"} must be ${type}`, `${where}[2][${j}]`);
        values.push(v);
      }
    }
    const state: SeriesState = { id: id as number, set: set as number, attrs: values };
    const before = known.get(state.id) ?? fresh.get(state.id);
    if (before) {
      // A resent declaration is harmless when it says the same thing.
      if (before.set !== state.set || JSON.stringify(before.attrs) !== JSON.stringify(state.attrs)) {
        return serverError("E_BAD_BATCH", `series ${state.id} redeclared differently`, where);
      }
      continue;
    }
    if (known.size + fresh.size >= limits.maxSeries) return serverError("E_TOO_MANY", `more than ${limits.maxSeries} series on one stream`, where);
    fresh.set(state.id, state);
    out.push(state);
  }
  return out;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const wholeCount = (v: number): boolean => v >= 0 && Number.isInteger(v);

/**
 * A histogram value [sum, bucket_0 .. bucket_n] or an mmsc value [count, sum, min, max]: all
 * finite, counts whole and not negative, and the value parts whole on an int field.
 */
function checkCompound(value: readonly unknown[], histogram: boolean, int: boolean): { at: number; message: string } | undefined {
  for (let j = 0; j < value.length; j++) {
    const v = value[j];
    if (!finite(v)) return { at: j, message: "expected a finite number" };
    const isCount = histogram ? j > 0 : j === 0;
    if (isCount && !wholeCount(v)) return { at: j, message: `${histogram ? "bucket counts" : "the count"} must be whole numbers >= 0; got ${v}` };
    if (!isCount && int && !Number.isInteger(v)) return { at: j, message: `an int field's sum, min and max are whole numbers; got ${v}` };
  }
  return undefined;
}

/** Decodes `points` into `rows`; returns the number of rows added, or the first error. */
export function decodePoints(
  points: readonly unknown[],
  sets: readonly SetState[],
  lookup: (id: number) => SeriesState | undefined,
  time: number,
  streamId: number,
  rows: PointRows,
): number | ServerError {
  const before = rows.length;
  for (let p = 0; p < points.length; p++) {
    const entry = points[p];
    if (!Array.isArray(entry) || entry.length % 2 !== 1)
      return serverError("E_BAD_BATCH", "points of a series are [series id, key, value, key, value, ...]", `points[${p}]`);
    const id = entry[0];
    const series = typeof id === "number" ? lookup(id) : undefined;
    if (!series) return serverError("E_UNKNOWN_SERIES", `series ${JSON.stringify(id)} was not declared on this stream`, `points[${p}][0]`);
    const set = sets[series.set];
    const keys = set.slots * set.fieldCount;
    for (let k = 1; k < entry.length; k += 2) {
      const key = entry[k];
      if (!Number.isInteger(key) || (key as number) < 0 || (key as number) >= keys) {
        return serverError("E_UNKNOWN_FIELD", `key ${JSON.stringify(key)} out of range for set ${set.descriptor.name} (${keys} keys)`, `points[${p}][${k}]`);
      }
      const slot = keySlot(key as number, set.fieldCount);
      const field = keyField(key as number, set.fieldCount);
      const width = set.widths[field];
      const value = entry[k + 1];
      const where = `points[${p}][${k + 1}]`;
      const f = set.descriptor.fields[field];
      if (width === 0) {
        if (!finite(value)) return serverError("E_BAD_VALUE", `${f.name} takes a finite number`, where);
        if (f.valueType === "int" && !Number.isInteger(value)) return serverError("E_BAD_VALUE", `${f.name} is an int field; got ${value}`, where);
        if (f.instrument === "counter" && value < 0) return serverError("E_BAD_VALUE", `${f.name} is a counter: its delta cannot be negative (got ${value})`, where);
        rows.push(time, streamId, series.id, slot, field, value);
        continue;
      }
      if (!Array.isArray(value) || value.length !== width) {
        return serverError("E_BAD_VALUE", `${f.name} (${f.instrument}) takes an array of ${width} numbers`, where);
      }
      const bad = checkCompound(value, f.instrument === "histogram", f.valueType === "int");
      if (bad) return serverError("E_BAD_VALUE", `${f.name} (${f.instrument}): ${bad.message}`, `${where}[${bad.at}]`);
      if (set.descriptor.fields[field].instrument === "histogram") {
        // [sum, bucket_0 .. bucket_n]; count is the sum of the buckets.
        const buckets = (value as number[]).slice(1);
        let count = 0;
        for (const b of buckets) count += b;
        const r = rows.push(time, streamId, series.id, slot, field, value[0] as number);
        rows.count[r] = count;
        rows.setBuckets(r, buckets);
      } else {
        // mmsc: [count, sum, min, max]
        const r = rows.push(time, streamId, series.id, slot, field, value[1] as number);
        rows.count[r] = value[0] as number;
        rows.min[r] = value[2] as number;
        rows.max[r] = value[3] as number;
      }
    }
  }
  return rows.length - before;
}
