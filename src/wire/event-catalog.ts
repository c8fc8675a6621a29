// The event declarations of one stream (groups by index, sources by id) and the one decoder of
// event rows into named events. Used by the server (which turns them into stored rows), by the
// SDK's event sinks and by the server exporter (which repeats the declarations after the server
// lost them). Everything that arrives is checked: a row that does not match its declaration is
// an error naming where, never a guess.
import type { AttrValue, Batch, EventGroupDecl, EventSourceDecl, WireEventGroup } from "./batch.ts";
import { eventId } from "./batch.ts";
import { seriesAttributes } from "./stream-catalog.ts";
import { WireError } from "./wire-error.ts";
import { payloadJson, type EventHead, type FieldDecl, type JsonEvent } from "./event-json.ts";

export interface DecodedEvent extends EventHead {
  /** Field values by field name; enums as their value. */
  readonly fields: Readonly<Record<string, AttrValue>>;
  /** Fields cut to their maxLength (absent when none was). */
  readonly truncated?: readonly string[];
  /** Entity attributes of the emitter instance. */
  readonly attributes: Readonly<Record<string, AttrValue>>;
}

interface Source {
  readonly group: WireEventGroup;
  readonly attributes: Record<string, AttrValue>;
  /** The attributes as JSON text (null when there are none), made once per declaration. */
  readonly attributesJson: string | null;
}

const FIELD_TYPES = new Set(["string", "int", "double", "boolean", "enum"]);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const bad = (message: string): never => {
  throw new WireError("E_BAD_EVENTS", message);
};

/** Checks the shape of a declared group; throws a WireError naming the first problem. */
export function checkEventGroup(g: unknown, where: string): WireEventGroup {
  if (!isObj(g) || typeof g.name !== "string" || typeof g.schemaHash !== "string" || !Array.isArray(g.attributes) || !Array.isArray(g.events))
    return bad(`${where}: an event group needs name, schemaHash, attributes and events`);
  g.attributes.forEach((a, i) => {
    if (!isObj(a) || typeof a.name !== "string") bad(`${where}.attributes[${i}]: needs a name`);
  });
  g.events.forEach((e, i) => {
    if (
      !isObj(e) ||
      typeof e.name !== "string" ||
      typeof e.type !== "string" ||
      typeof e.severityNumber !== "number" ||
      typeof e.severityText !== "string" ||
      !Array.isArray(e.fields)
    )
      bad(`${where}.events[${i}]: an event needs name, type, severityNumber, severityText and fields`);
    else
      (e.fields as unknown[]).forEach((f, j) => {
        if (!isObj(f) || typeof f.name !== "string" || !FIELD_TYPES.has(f.type as string))
          bad(`${where}.events[${i}].fields[${j}]: a field needs a name and a known type`);
        else if (f.type === "enum" && (!Array.isArray(f.values) || f.values.some((v) => typeof v !== "string")))
          bad(`${where}.events[${i}].fields[${j}]: an enum field needs its values`);
      });
  });
  return g as unknown as WireEventGroup;
}

/** Bounds on what one stream may declare (the server passes its --max-sets and --max-series). */
export interface EventCatalogLimits {
  readonly maxGroups: number;
  readonly maxSources: number;
}

export class EventCatalog {
  private readonly limits: EventCatalogLimits;
  readonly groups = new Map<number, WireEventGroup>();
  private readonly sources = new Map<number, Source>();
  /** Declarations in the order made, to repeat them all in one batch. */
  readonly groupDecls: EventGroupDecl[] = [];
  readonly sourceDecls: EventSourceDecl[] = [];

  constructor(limits: EventCatalogLimits = { maxGroups: Infinity, maxSources: Infinity }) {
    this.limits = limits;
  }

  /** Takes in a batch's event declarations (checked; a repeated declaration replaces the first). */
  declare(batch: Pick<Batch, "eventGroups" | "eventSources">): void {
    const groups = batch.eventGroups ?? [];
    if (!Array.isArray(groups)) bad("eventGroups must be an array");
    groups.forEach((d, i) => {
      if (!Array.isArray(d) || !Number.isSafeInteger(d[0]) || d[0] < 0) bad(`eventGroups[${i}]: expected [index, group]`);
      if (!this.groups.has(d[0])) {
        if (this.groups.size >= this.limits.maxGroups) throw new WireError("E_TOO_MANY", `more than ${this.limits.maxGroups} event groups on one stream`);
        this.groupDecls.push(d);
      }
      this.groups.set(d[0], checkEventGroup(d[1], `eventGroups[${i}]`));
    });
    const sources = batch.eventSources ?? [];
    if (!Array.isArray(sources)) bad("eventSources must be an array");
    sources.forEach((d, i) => {
      if (!Array.isArray(d) || !Number.isSafeInteger(d[0]) || !Array.isArray(d[2])) bad(`eventSources[${i}]: expected [id, group, attributes]`);
      const group = this.groups.get(d[1]);
      if (!group) throw new WireError("E_UNKNOWN_EVENT_GROUP", `eventSources[${i}] refers to event group ${String(d[1])}, which the stream has not declared`);
      if (d[2].length !== group.attributes.length || d[2].some((v: unknown) => typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean"))
        bad(`eventSources[${i}]: expected ${group.attributes.length} attribute values`);
      if (!this.sources.has(d[0])) {
        if (this.sources.size >= this.limits.maxSources) throw new WireError("E_TOO_MANY", `more than ${this.limits.maxSources} event sources on one stream`);
        this.sourceDecls.push(d);
      }
      const attributes = seriesAttributes(group, d[2]);
      this.sources.set(d[0], { group, attributes, attributesJson: Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : null });
    });
  }

  /** Declares what the batch declares, then decodes its events (throws a WireError on the first bad row). */
  read(batch: Pick<Batch, "stream" | "seq" | "end" | "eventGroups" | "eventSources" | "events">): DecodedEvent[] {
    this.declare(batch);
    const rows = batch.events ?? [];
    if (!Array.isArray(rows)) bad("events must be an array");
    const out: DecodedEvent[] = [];
    for (let i = 0; i < rows.length; i++) out.push(this.decode(rows[i], eventId(batch.stream, batch.seq, i), i, batch.end));
    return out;
  }

  /**
   * Like read, with the same checks and errors, but each event as the JSON text the server
   * stores (event-json.ts): no object per event and its fields.
   */
  readJson(batch: Pick<Batch, "stream" | "seq" | "end" | "eventGroups" | "eventSources" | "events">): JsonEvent[] {
    this.declare(batch);
    const rows = batch.events ?? [];
    if (!Array.isArray(rows)) bad("events must be an array");
    const out: JsonEvent[] = [];
    const prefix = `${batch.stream}:${batch.seq}:`;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const { source, e, time, mask } = this.head(row, i, batch.end);
      const payload = payloadJson(e, row as unknown[], mask, i, fieldValue);
      out.push({
        eventId: prefix + i,
        eventTime: time,
        eventType: e.type,
        eventName: e.name,
        severityNumber: e.severityNumber,
        severityText: e.severityText,
        payload,
        attributes: source.attributesJson,
      });
    }
    return out;
  }

  /** The checked head of an event row: its source, its declaration, its time and truncated mask. */
  private head(row: unknown, i: number, end: number) {
    if (!Array.isArray(row) || row.length < 4) return bad(`events[${i}]: expected [source, event, time, truncated, ...fields]`);
    const source = this.sources.get(row[0] as number);
    if (!source) throw new WireError("E_UNKNOWN_EVENT_SOURCE", `events[${i}] refers to event source ${String(row[0])}, which the stream has not declared`);
    const e = source.group.events[row[1] as number];
    if (!e || !Number.isInteger(row[1])) return bad(`events[${i}]: event ${String(row[1])} is not in group ${source.group.name}`);
    const offset = row[2];
    const time = typeof offset === "number" ? end + offset : NaN;
    if (!Number.isFinite(time) || time < 0 || time > 1e14) return bad(`events[${i}]: event_time must be an offset in ms from the batch's end`);
    const mask = row[3];
    if (typeof mask !== "number" || !Number.isInteger(mask) || mask < 0) return bad(`events[${i}]: the truncated mask must be a whole number`);
    if (row.length !== 4 + e.fields.length) return bad(`events[${i}]: ${e.name} has ${e.fields.length} fields, the row carries ${row.length - 4}`);
    return { source, e, time, mask };
  }

  private decode(row: unknown, id: string, i: number, end: number): DecodedEvent {
    const { source, e, time, mask } = this.head(row, i, end);
    const fields: Record<string, AttrValue> = {};
    let truncated: string[] | undefined;
    e.fields.forEach((f, k) => {
      fields[f.name] = fieldValue(f, (row as unknown[])[4 + k], i, e.name);
      if (k < 31 && mask & (1 << k)) (truncated ??= []).push(f.name);
    });
    return {
      eventId: id,
      eventTime: time,
      eventType: e.type,
      eventName: e.name,
      severityNumber: e.severityNumber,
      severityText: e.severityText,
      fields,
      ...(truncated ? { truncated } : {}),
      attributes: source.attributes,
    };
  }
}

const badField = (f: FieldDecl, i: number, eventName: string, message: string): never => bad(`events[${i}] field ${f.name} of ${eventName}: ${message}`);

/** The checked value of field `f` of event row `i` (an `eventName`), or a WireError naming where. */
function fieldValue(f: FieldDecl, v: unknown, i: number, eventName: string): AttrValue {
  switch (f.type) {
    case "string":
      // A UTF-16 unit is at most 3 UTF-8 bytes: most strings need no byte count.
      return typeof v === "string" && (f.maxLength === undefined || v.length * 3 <= f.maxLength || Buffer.byteLength(v) <= f.maxLength)
        ? v
        : badField(f, i, eventName, `expected a string of at most ${f.maxLength} bytes`);
    case "int":
      return Number.isSafeInteger(v) ? (v as number) : badField(f, i, eventName, `expected an integer`);
    case "double":
      return typeof v === "number" && Number.isFinite(v) ? v : badField(f, i, eventName, `expected a finite number`);
    case "boolean":
      return typeof v === "boolean" ? v : badField(f, i, eventName, `expected a boolean`);
    default: {
      const value = Number.isInteger(v) ? f.values?.[v as number] : undefined;
      return value ?? badField(f, i, eventName, `expected an index into its ${f.values?.length ?? 0} values`);
    }
  }
}
