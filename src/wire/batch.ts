// The batch format: what a collector flush produces and what the telemetry server ingests.
// One module, shared by every exporter and the server. See docs/wire-format.md.
import type { AttributeType } from "../schema/attributes.ts";
import type { InstrumentKind, ValueType } from "../schema/instruments.ts";

export const WIRE_VERSION = 1;

export type AttrValue = string | number | boolean;

/** Resource attributes of the process that opened the stream. */
export type Resource = Readonly<Record<string, AttrValue>>;

/** Sent in the first batch of a stream. */
export interface StreamOpen {
  readonly resource: Resource;
  /** Hashes of the schemas whose sets the stream carries (known when the stream opened). */
  readonly schemaHash: string;
  readonly sdk: { readonly name: string; readonly version: string };
  /** "aggregate": instances with equal attributes are merged across threads; "thread": one series per thread instance. */
  readonly view: "aggregate" | "thread";
}

/** A metric set's self-description as it travels: everything a reader needs to decode its points. */
export interface WireSetDescriptor {
  readonly name: string;
  readonly brief: string;
  readonly schemaHash: string;
  readonly attributes: readonly { readonly name: string; readonly type: AttributeType; readonly brief: string }[];
  readonly measures: readonly { readonly name: string; readonly brief: string; readonly values: readonly string[] }[];
  readonly fields: readonly {
    readonly name: string;
    readonly instrument: InstrumentKind;
    readonly unit: string;
    readonly brief: string;
    readonly valueType: ValueType;
    readonly bounds?: readonly number[];
  }[];
}

/**
 * A series (metric-set instance) declared once per stream, before its first points:
 * [series id, set index, entity attribute values in descriptor order (null for the overflow instance)].
 * With the "thread" view the attribute list ends with the thread id.
 */
export type SeriesDecl = readonly [id: number, set: number, attrs: readonly AttrValue[] | null];

/**
 * Points of one series: [series id, key, value, key, value, ...] where
 *   key   = measurement slot * (number of fields of the set) + field index
 *   value = counter: delta since the previous batch
 *           upDownCounter: cumulative value
 *           gauge: last value
 *           histogram: [sum delta, bucket_0 delta, ..., bucket_n delta] (count = sum of the buckets)
 *           mmsc: [count delta, sum delta, min, max] of the interval
 * Only fields that changed in the interval appear.
 */
export type SeriesPoints = readonly (number | readonly number[])[];

/** An event group's self-description as it travels (see src/schema/event-descriptor.ts). */
export interface WireEventGroup {
  readonly name: string;
  readonly brief: string;
  readonly schemaHash: string;
  readonly attributes: readonly { readonly name: string; readonly type: AttributeType; readonly brief: string }[];
  readonly events: readonly {
    readonly name: string;
    readonly type: string;
    readonly severityNumber: number;
    readonly severityText: string;
    readonly brief: string;
    readonly fields: readonly {
      readonly name: string;
      readonly type: "string" | "int" | "double" | "boolean" | "enum";
      readonly brief: string;
      readonly maxLength?: number;
      readonly values?: readonly string[];
    }[];
  }[];
}

/**
 * An event group declared by its stream-wide index. Unlike sets, a group carries its index, so a
 * batch may declare it again (the server exporter does after the server lost its declarations).
 */
export type EventGroupDecl = readonly [index: number, group: WireEventGroup];

/** An emitter instance (thread, group, entity attributes): [source id, group index, attribute values]. */
export type EventSourceDecl = readonly [id: number, group: number, attrs: readonly AttrValue[]];

/**
 * One event: [source id, event index in its group, event_time as ms relative to the batch's `end`
 * (usually a small negative integer; the worker's clock at emit), truncated-field bitmask (bit i: field i was cut to its maxLength), field values
 * in declaration order...]. Enum values travel as their index, booleans as msgpack booleans.
 * Its event_id is `<stream>:<seq>:<position in events>` (see eventId), stable across resends.
 */
export type EventRow = readonly (number | string | boolean)[];

export interface Batch {
  readonly v: typeof WIRE_VERSION;
  /** Stream id: unique per collector run. */
  readonly stream: string;
  /** 1, 2, 3, ... per stream; the server stores each sequence once. */
  readonly seq: number;
  /** Interval covered, ms since the Unix epoch: (start, end]. */
  readonly start: number;
  readonly end: number;
  readonly open?: StreamOpen;
  /** Set descriptors first used in this batch; their indexes continue from the stream's previous sets. */
  readonly sets?: readonly WireSetDescriptor[];
  readonly series?: readonly SeriesDecl[];
  readonly points: readonly SeriesPoints[];
  readonly eventGroups?: readonly EventGroupDecl[];
  readonly eventSources?: readonly EventSourceDecl[];
  readonly events?: readonly EventRow[];
}

/** A batch without its points: what exporters need to route, acknowledge and re-declare. */
export type BatchHeader = Omit<Batch, "points" | "events">;

/** The event_id of the event at `index` of a batch's events: unique per stream and stable across resends. */
export const eventId = (stream: string, seq: number, index: number): string => `${stream}:${seq}:${index}`;

/** Point key arithmetic (see SeriesPoints). */
export const pointKey = (slot: number, field: number, fieldCount: number): number => slot * fieldCount + field;
export const keySlot = (key: number, fieldCount: number): number => Math.floor(key / fieldCount);
export const keyField = (key: number, fieldCount: number): number => key % fieldCount;

/** Enum values of a measurement slot (mixed radix, first measure most significant). */
export function slotValues(slot: number, measures: readonly { readonly values: readonly string[] }[]): string[] {
  const out = new Array<string>(measures.length);
  for (let i = measures.length - 1; i >= 0; i--) {
    const n = measures[i].values.length;
    out[i] = measures[i].values[slot % n];
    slot = Math.floor(slot / n);
  }
  return out;
}
