// Shape checks for the parts of a batch that declare things: the batch header, the stream-open
// record, set descriptors and series. Each returns the checked value or a ServerError naming the
// path of the first offending element. Only plain msgpack types pass (strings, numbers, booleans,
// arrays, maps); anything else (extension types, binary) is rejected.
import { WIRE_VERSION, type AttrValue, type StreamOpen, type WireSetDescriptor } from "../../wire/batch.ts";
import { serverError, type ServerError } from "../errors.ts";
import type { Limits } from "./limits.ts";

const INSTRUMENTS = new Set(["counter", "upDownCounter", "gauge", "histogram", "mmsc"]);
const ATTR_TYPES = new Set(["string", "int", "double", "boolean"]);

/** A plain map: msgpack extension values (decoded as class instances) and binary do not count. */
export const isObj = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

export interface BatchHeader {
  readonly stream: string;
  readonly seq: number;
  readonly start: number;
  readonly end: number;
  readonly open?: StreamOpen;
  readonly sets: readonly WireSetDescriptor[];
  readonly series: readonly unknown[];
  readonly points: readonly unknown[];
}

export function checkString(v: unknown, where: string, limits: Limits, allowEmpty = true): string | ServerError {
  if (typeof v !== "string") return serverError("E_BAD_BATCH", "expected a string", where);
  if (v.length > limits.maxString) return serverError("E_TOO_LONG", `string of ${v.length} characters, limit ${limits.maxString}`, where);
  if (!allowEmpty && v.length === 0) return serverError("E_BAD_BATCH", "expected a non-empty string", where);
  return v;
}

export function checkAttrValue(v: unknown, where: string, limits: Limits): AttrValue | ServerError {
  if (typeof v === "string") return checkString(v, where, limits);
  if (typeof v === "number") return Number.isFinite(v) ? v : serverError("E_BAD_VALUE", "attribute value must be finite", where);
  if (typeof v === "boolean") return v;
  return serverError("E_BAD_BATCH", "attribute value must be a string, number or boolean", where);
}

export function checkHeader(raw: unknown, limits: Limits): BatchHeader | ServerError {
  if (!isObj(raw)) return serverError("E_BAD_BATCH", "a batch is a msgpack map", "$");
  if (raw.v !== WIRE_VERSION) return serverError("E_UNKNOWN_VERSION", `unknown protocol version ${JSON.stringify(raw.v)}; this server speaks v${WIRE_VERSION}`, "v");
  const stream = checkString(raw.stream, "stream", limits, false);
  if (typeof stream !== "string") return stream;
  if (stream.length > 200) return serverError("E_TOO_LONG", "stream id longer than 200 characters", "stream");
  if (!Number.isSafeInteger(raw.seq) || (raw.seq as number) < 1) return serverError("E_BAD_BATCH", "seq must be an integer >= 1", "seq");
  for (const k of ["start", "end"] as const) {
    if (typeof raw[k] !== "number" || !Number.isFinite(raw[k]) || (raw[k] as number) < 0 || (raw[k] as number) > 1e14) {
      return serverError("E_BAD_BATCH", `${k} must be a time in ms since the epoch`, k);
    }
  }
  if ((raw.start as number) > (raw.end as number))
    return serverError("E_BAD_BATCH", `the interval starts (${raw.start as number}) after it ends (${raw.end as number})`, "start");
  let open: StreamOpen | undefined;
  if (raw.open !== undefined && raw.open !== null) {
    const o = checkOpen(raw.open, limits);
    if ("code" in o) return o;
    open = o;
  }
  const sets: WireSetDescriptor[] = [];
  if (raw.sets !== undefined && raw.sets !== null) {
    if (!Array.isArray(raw.sets)) return serverError("E_BAD_BATCH", "sets must be an array", "sets");
    if (raw.sets.length > limits.maxSets) return serverError("E_TOO_MANY", `more than ${limits.maxSets} sets`, "sets");
    for (let i = 0; i < raw.sets.length; i++) {
      const s = checkSet(raw.sets[i], `sets[${i}]`, limits);
      if ("code" in s) return s;
      sets.push(s);
    }
  }
  const series = raw.series ?? [];
  if (!Array.isArray(series)) return serverError("E_BAD_BATCH", "series must be an array", "series");
  if (series.length > limits.maxSeries) return serverError("E_TOO_MANY", `more than ${limits.maxSeries} series`, "series");
  if (!Array.isArray(raw.points)) return serverError("E_BAD_BATCH", "points must be an array", "points");
  return { stream, seq: raw.seq as number, start: raw.start as number, end: raw.end as number, open, sets, series, points: raw.points };
}

function checkOpen(v: unknown, limits: Limits): StreamOpen | ServerError {
  if (!isObj(v)) return serverError("E_BAD_BATCH", "open must be a map", "open");
  if (!isObj(v.resource)) return serverError("E_BAD_BATCH", "open.resource must be a map", "open.resource");
  const resource: Record<string, AttrValue> = {};
  const keys = Object.keys(v.resource);
  if (keys.length > 256) return serverError("E_TOO_MANY", "more than 256 resource attributes", "open.resource");
  for (const k of keys) {
    const key = checkString(k, `open.resource`, limits);
    if (typeof key !== "string") return key;
    const a = checkAttrValue(v.resource[k], `open.resource.${k}`, limits);
    if (typeof a === "object") return a;
    resource[k] = a;
  }
  const schemaHash = checkString(v.schemaHash ?? "", "open.schemaHash", limits);
  if (typeof schemaHash !== "string") return schemaHash;
  const sdk = isObj(v.sdk) ? v.sdk : {};
  const sdkName = checkString(sdk.name ?? "", "open.sdk.name", limits);
  if (typeof sdkName !== "string") return sdkName;
  const sdkVersion = checkString(sdk.version ?? "", "open.sdk.version", limits);
  if (typeof sdkVersion !== "string") return sdkVersion;
  const view = v.view ?? "aggregate";
  if (view !== "aggregate" && view !== "thread") return serverError("E_BAD_BATCH", 'open.view must be "aggregate" or "thread"', "open.view");
  return { resource, schemaHash, sdk: { name: sdkName, version: sdkVersion }, view };
}

function checkSet(v: unknown, where: string, limits: Limits): WireSetDescriptor | ServerError {
  if (!isObj(v)) return serverError("E_BAD_BATCH", "a set descriptor is a map", where);
  const name = checkString(v.name, `${where}.name`, limits, false);
  if (typeof name !== "string") return name;
  const brief = checkString(v.brief ?? "", `${where}.brief`, limits);
  if (typeof brief !== "string") return brief;
  const schemaHash = checkString(v.schemaHash ?? "", `${where}.schemaHash`, limits);
  if (typeof schemaHash !== "string") return schemaHash;
  const lists = { attributes: v.attributes ?? [], measures: v.measures ?? [], fields: v.fields };
  for (const [k, l] of Object.entries(lists)) {
    if (!Array.isArray(l)) return serverError("E_BAD_BATCH", `${k} must be an array`, `${where}.${k}`);
    if (l.length > limits.maxFields) return serverError("E_TOO_MANY", `more than ${limits.maxFields} ${k}`, `${where}.${k}`);
  }
  const attributes: WireSetDescriptor["attributes"][number][] = [];
  for (const [i, a] of (lists.attributes as unknown[]).entries()) {
    const w = `${where}.attributes[${i}]`;
    if (!isObj(a)) return serverError("E_BAD_BATCH", "an attribute is a map", w);
    const n = checkString(a.name, `${w}.name`, limits, false);
    if (typeof n !== "string") return n;
    if (!ATTR_TYPES.has(a.type as string)) return serverError("E_BAD_BATCH", "unknown attribute type", `${w}.type`);
    const b = checkString(a.brief ?? "", `${w}.brief`, limits);
    if (typeof b !== "string") return b;
    attributes.push({ name: n, type: a.type as WireSetDescriptor["attributes"][number]["type"], brief: b });
  }
  const measures: { name: string; brief: string; values: string[] }[] = [];
  let slots = 1;
  for (const [i, m] of (lists.measures as unknown[]).entries()) {
    const w = `${where}.measures[${i}]`;
    if (!isObj(m)) return serverError("E_BAD_BATCH", "a measure is a map", w);
    const n = checkString(m.name, `${w}.name`, limits, false);
    if (typeof n !== "string") return n;
    const b = checkString(m.brief ?? "", `${w}.brief`, limits);
    if (typeof b !== "string") return b;
    if (!Array.isArray(m.values) || m.values.length === 0) return serverError("E_BAD_BATCH", "values must be a non-empty array", `${w}.values`);
    const values: string[] = [];
    for (const [j, x] of m.values.entries()) {
      const s = checkString(x, `${w}.values[${j}]`, limits);
      if (typeof s !== "string") return s;
      values.push(s);
    }
    slots *= values.length;
    if (slots > limits.maxSlots) return serverError("E_TOO_MANY", `more than ${limits.maxSlots} measurement slots`, `${w}.values`);
    measures.push({ name: n, brief: b, values });
  }
  const fields: WireSetDescriptor["fields"][number][] = [];
  if ((lists.fields as unknown[]).length === 0) return serverError("E_BAD_BATCH", "a set needs at least one field", `${where}.fields`);
  for (const [i, f] of (lists.fields as unknown[]).entries()) {
    const w = `${where}.fields[${i}]`;
    if (!isObj(f)) return serverError("E_BAD_BATCH", "a field is a map", w);
    const n = checkString(f.name, `${w}.name`, limits, false);
    if (typeof n !== "string") return n;
    if (!INSTRUMENTS.has(f.instrument as string)) return serverError("E_BAD_BATCH", `unknown instrument ${JSON.stringify(f.instrument)}`, `${w}.instrument`);
    const unit = checkString(f.unit ?? "", `${w}.unit`, limits);
    if (typeof unit !== "string") return unit;
    const b = checkString(f.brief ?? "", `${w}.brief`, limits);
    if (typeof b !== "string") return b;
    const valueType = f.valueType === "int" ? "int" : "double";
    let bounds: number[] | undefined;
    if (f.instrument === "histogram") {
      if (!Array.isArray(f.bounds) || f.bounds.length > limits.maxBounds)
        return serverError("E_BAD_BATCH", `histogram bounds must be an array of at most ${limits.maxBounds} numbers`, `${w}.bounds`);
      bounds = [];
      for (const [j, x] of f.bounds.entries()) {
        if (typeof x !== "number" || !Number.isFinite(x) || (j > 0 && x <= bounds[j - 1])) {
          return serverError("E_BAD_BATCH", "bounds must be finite and strictly increasing", `${w}.bounds[${j}]`);
        }
        bounds.push(x);
      }
    }
    fields.push({ name: n, instrument: f.instrument as WireSetDescriptor["fields"][number]["instrument"], unit, brief: b, valueType, ...(bounds ? { bounds } : {}) });
  }
  return { name, brief, schemaHash, attributes, measures, fields };
}
