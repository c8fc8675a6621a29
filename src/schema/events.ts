// Event groups: typed events declared next to the metric sets. Like the rest of the DSL these
// functions only describe; the codegen reads the calls statically and emits one emitter class
// per group (see docs/codegen.md). Event names are constant: `<group name>.<key in snake case>`.
import type { AttributeSetSpec, AttributeSpec, EnumSpec } from "./attributes.ts";

/** OpenTelemetry SeverityNumber of each level (the first number of its range). */
export const SEVERITY_NUMBERS = { debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
export type Severity = keyof typeof SEVERITY_NUMBERS;
export const SEVERITIES = Object.keys(SEVERITY_NUMBERS) as readonly Severity[];

/** An event field: a typed value recorded with each event (`str` needs `maxLength`). */
export type EventFieldSpec = AttributeSpec | EnumSpec;

export interface EventOptions {
  readonly severity: Severity;
  /** One sentence saying what happened; it becomes the JSDoc, the docs and the semconv brief. */
  readonly brief: string;
  /** `event_type` of the stored event (`log`, `behavioral`, ...); default "log". */
  readonly type?: string;
  /** Full event name; defaults to `<group name>.<key in snake case>`. */
  readonly name?: string;
  readonly note?: string;
  readonly fields?: Readonly<Record<string, EventFieldSpec>>;
}

export interface EventSpec {
  readonly kind: "event";
  readonly options: EventOptions;
}

export interface EventGroupOptions {
  /** Entity attributes fixed per emitter instance, stored with every event. */
  readonly attributes?: AttributeSetSpec;
  readonly events: Readonly<Record<string, EventSpec>>;
  readonly brief?: string;
}

export interface EventGroupSpec {
  readonly kind: "eventGroup";
  readonly name: string;
  readonly options: EventGroupOptions;
}

/** One event of a group. */
export const event = (options: EventOptions): EventSpec => ({ kind: "event", options });

/** A group of events emitted through one generated class. */
export const events = (name: string, options: EventGroupOptions): EventGroupSpec => ({ kind: "eventGroup", name, options });

/** Longest `maxLength` of a string field, in UTF-8 bytes. */
export const MAX_STRING_FIELD_BYTES = 4096;
/** Most fields one event may declare. */
export const MAX_EVENT_FIELDS = 64;
/** Most events one group may declare (the event index travels in 8 bits of the record tag). */
export const MAX_GROUP_EVENTS = 256;
/** Keys of the stored form; a field must not take their names. */
export const RESERVED_EVENT_KEYS: readonly string[] = ["event_id", "event_time", "event_type", "event_name", "severity", "severity_number", "severity_text"];
/** Default `event_type`. */
export const DEFAULT_EVENT_TYPE = "log";
