// Per metric set, what the collector needs to read a region quickly: which elements to watch
// (one sentinel per field and slot, see layout.ts), and for each element of a slot which field it
// belongs to.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import type { InstrumentKind } from "../schema/instruments.ts";
import { sentinelOffset } from "../schema/layout.ts";
import type { WireSetDescriptor } from "../wire/batch.ts";

export interface SetPlan {
  readonly descriptor: MetricSetDescriptor;
  /** Aggregation key part: sets are identified by name and schema hash. */
  readonly key: string;
  readonly fieldCount: number;
  /** Offsets inside one slot of the elements to watch, one per field. */
  readonly sentinels: Int32Array;
  /** Per element of a slot: the field index. */
  readonly fieldOf: Uint16Array;
  /** Per field: its instrument. */
  readonly instruments: readonly InstrumentKind[];
}

export function planSet(descriptor: MetricSetDescriptor): SetPlan {
  const fieldOf = new Uint16Array(descriptor.stride);
  descriptor.fields.forEach((f, index) => fieldOf.fill(index, f.offset, f.offset + f.width));
  return {
    descriptor,
    key: descriptor.name + "\u0000" + descriptor.schemaHash,
    fieldCount: descriptor.fields.length,
    sentinels: Int32Array.from(descriptor.fields, (f) => f.offset + sentinelOffset(f.instrument, f.width)),
    fieldOf,
    instruments: descriptor.fields.map((f) => f.instrument),
  };
}

/** The descriptor as it travels: no memory layout, optionally with the thread id attribute of the per-thread view. */
export function wireDescriptor(d: MetricSetDescriptor, withThread: boolean): WireSetDescriptor {
  const attributes = d.attributes.map((a) => ({ name: a.name, type: a.type, brief: a.brief }));
  if (withThread) attributes.push({ name: "thread.id", type: "int", brief: "Node.js worker thread id that recorded the values" });
  return {
    name: d.name,
    brief: d.brief,
    schemaHash: d.schemaHash,
    attributes,
    measures: d.measures.map((m) => ({ name: m.name, brief: m.brief, values: [...m.values] })),
    fields: d.fields.map((f) => ({
      name: f.name,
      instrument: f.instrument,
      unit: f.unit,
      brief: f.brief,
      valueType: f.valueType,
      ...(f.bounds ? { bounds: [...f.bounds] } : {}),
    })),
  };
}
