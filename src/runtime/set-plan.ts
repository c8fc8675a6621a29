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
  /**
   * The flush's numeric tables (a flush touches them once per changed field, so no string
   * compares, object property chains or divisions there): per field its KIND_* code; per point
   * key (slot * fieldCount + field) the field and the field's first element in the region; per
   * region element the point key of the field it belongs to.
   */
  readonly kind: Uint8Array;
  /** Per point key: its field's KIND_* code and width (one lookup instead of two per changed field). */
  readonly kindOfKey: Uint8Array;
  readonly widthOfKey: Int32Array;
  readonly fieldOfKey: Uint16Array;
  readonly startOfKey: Int32Array;
  readonly keyOfElement: Int32Array;
}

export const KIND_COUNTER = 0;
export const KIND_COUNTER_INT = 1;
export const KIND_UP_DOWN = 2;
export const KIND_GAUGE = 3;
export const KIND_HISTOGRAM = 4;
export const KIND_MMSC = 5;

function kindOf(f: { instrument: InstrumentKind; width: number }): number {
  switch (f.instrument) {
    case "counter":
      return f.width === 1 ? KIND_COUNTER : KIND_COUNTER_INT;
    case "upDownCounter":
      return KIND_UP_DOWN;
    case "gauge":
      return KIND_GAUGE;
    case "histogram":
      return KIND_HISTOGRAM;
    case "mmsc":
      return KIND_MMSC;
  }
}

export function planSet(descriptor: MetricSetDescriptor): SetPlan {
  const fieldOf = new Uint16Array(descriptor.stride);
  descriptor.fields.forEach((f, index) => fieldOf.fill(index, f.offset, f.offset + f.width));
  const { fields, stride, slots } = descriptor;
  const fieldOfKey = new Uint16Array(slots * fields.length);
  const startOfKey = new Int32Array(slots * fields.length);
  const keyOfElement = new Int32Array(stride * slots);
  for (let slot = 0; slot < slots; slot++) {
    fields.forEach((f, index) => {
      const key = slot * fields.length + index;
      fieldOfKey[key] = index;
      startOfKey[key] = slot * stride + f.offset;
      keyOfElement.fill(key, slot * stride + f.offset, slot * stride + f.offset + f.width);
    });
  }
  const kind = Uint8Array.from(fields, kindOf);
  return {
    kind,
    kindOfKey: Uint8Array.from(fieldOfKey, (f) => kind[f]!),
    widthOfKey: Int32Array.from(fieldOfKey, (f) => fields[f]!.width),
    fieldOfKey,
    startOfKey,
    keyOfElement,
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
