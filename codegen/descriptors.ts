// Builds the descriptors (src/schema/descriptor.ts) of a validated schema: names resolved, memory
// layout fixed (src/schema/layout.ts), and the schema hash that lets a server tell two builds of
// the same schema from two different schemas.
import { createHash } from "node:crypto";
import type { EntityAttributeDescriptor, FieldDescriptor, MeasureDescriptor, MetricSetDescriptor } from "../src/schema/descriptor.ts";
import { fieldWidth } from "../src/schema/layout.ts";
import { type EventGroupInput, type MetricSetInput, type SchemaInput, attributeName, metricName } from "../src/schema/validate.ts";
import type { EventDescriptor, EventFieldDescriptor, EventGroupDescriptor } from "../src/schema/event-descriptor.ts";
import { layoutEvent, recordStride } from "../src/schema/event-layout.ts";
import { SEVERITY_NUMBERS, type Severity } from "../src/schema/events.ts";
import { eventFieldName, eventName } from "../src/schema/validate-events.ts";

type Unhashed = Omit<MetricSetDescriptor, "schemaHash">;

/** Descriptors in declaration order; keys in the order the generated module prints them. */
export function buildDescriptors(schema: SchemaInput<unknown>): MetricSetDescriptor[] {
  const unhashed = schema.metricSets.map(describeSet);
  const hash = hashOf(schema);
  return unhashed.map(({ name, brief, ...rest }) => ({ name, brief, schemaHash: hash, ...rest }));
}

/** Event group descriptors, with the schema's hash (see src/schema/event-layout.ts for the layout). */
export function buildEventDescriptors(schema: SchemaInput<unknown>): EventGroupDescriptor[] {
  const hash = hashOf(schema);
  return (schema.eventGroups ?? []).map(describeGroup).map(({ name, brief, ...rest }) => ({ name, brief, schemaHash: hash, ...rest }));
}

/** The schema hash: over the metric sets alone when there are no event groups (so it stays what it was). */
export function hashOf(schema: SchemaInput<unknown>): string {
  const sets = schema.metricSets.map(describeSet);
  const groups = (schema.eventGroups ?? []).map(describeGroup);
  return schemaHash(groups.length > 0 ? [...sets, ...groups] : sets);
}

function describeGroup(g: EventGroupInput<unknown>): Omit<EventGroupDescriptor, "schemaHash"> {
  const laid = g.events.map((e) => e.fields.map((f) => ({ type: f.type, ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}) })));
  const stride = recordStride(laid);
  const fieldSlots = Math.max(0, ...laid.map((e) => e.length));
  const events: EventDescriptor[] = g.events.map((e, i) => {
    const layout = layoutEvent(laid[i] ?? [], fieldSlots);
    const severity = (e.severity ?? "info") as Severity;
    return {
      name: eventName(g, e),
      key: e.key,
      type: e.type,
      severity,
      severityNumber: SEVERITY_NUMBERS[severity],
      brief: e.brief ?? "",
      fields: e.fields.map(
        (f, k): EventFieldDescriptor => ({
          name: eventFieldName(f),
          key: f.key,
          type: f.type,
          brief: f.brief ?? "",
          ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
          ...(f.values ? { values: f.values.map((v) => v.value) } : {}),
          slot: layout[k]!.slot,
          ...(layout[k]!.byteOffset !== undefined ? { byteOffset: layout[k]!.byteOffset } : {}),
        }),
      ),
    };
  });
  return {
    name: g.name,
    brief: g.brief ?? "",
    ...(g.attributeSet ? { attributeSet: g.attributeSet.name } : {}),
    attributes: (g.attributeSet?.attributes ?? []).map((a) => ({ name: attributeName(a), key: a.key, type: a.type, brief: a.brief ?? "" })),
    events,
    stride,
  };
}

function describeSet(set: MetricSetInput<unknown>): Unhashed {
  const attributes: EntityAttributeDescriptor[] = (set.attributeSet?.attributes ?? []).map((a) => ({
    name: attributeName(a),
    key: a.key,
    type: a.type,
    brief: a.brief ?? "",
  }));
  const measures: MeasureDescriptor[] = set.measures.map((m) => ({
    name: attributeName(m),
    key: m.key,
    brief: m.brief ?? "",
    values: m.values.map((v) => v.value),
  }));
  let offset = 0;
  const fields: FieldDescriptor[] = set.fields.map((f) => {
    const bounds = f.instrument === "histogram" ? (f.bounds ?? []).map((b) => b.value) : undefined;
    const width = fieldWidth(f.instrument, bounds?.length ?? 0, f.valueType);
    const field: FieldDescriptor = {
      name: metricName(set, f),
      key: f.key,
      instrument: f.instrument,
      unit: f.unit ?? "",
      brief: f.brief ?? "",
      valueType: f.valueType,
      stability: f.stability,
      ...(bounds ? { bounds } : {}),
      offset,
      width,
    };
    offset += width;
    return field;
  });
  return {
    name: set.name,
    brief: set.brief ?? "",
    ...(set.attributeSet ? { attributeSet: set.attributeSet.name } : {}),
    attributes,
    measures,
    fields,
    stride: offset,
    slots: set.measures.reduce((product, m) => product * m.values.length, 1),
    maxInstances: set.maxInstances,
  };
}

/**
 * sha256 over the canonical JSON of every descriptor (declaration order, `schemaHash` left out),
 * first 16 hex characters. Canonical: object keys sorted, no whitespace, numbers as JSON.stringify
 * prints them - so the hash does not depend on the order keys happen to be built in.
 */
export function schemaHash(descriptors: readonly object[]): string {
  return createHash("sha256").update(canonicalJson(descriptors)).digest("hex").slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
