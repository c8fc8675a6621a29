// Per metric set, what the collector needs to read a region quickly: for each element of a slot,
// which field it belongs to and how a change is folded (delta, last value, or handled per field).
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import { MMSC_COUNT, MMSC_SUM } from "../schema/layout.ts";
import type { WireSetDescriptor } from "../wire/batch.ts";

/** Change folds as `current - baseline` (counters, up-down counters, histogram buckets and sum). */
export const FOLD_DELTA = 0;
/** Change is the new last value (gauges). */
export const FOLD_LAST = 1;
/** mmsc count or sum: the whole field is folded at once, and only when its count moved. */
export const FOLD_MMSC = 2;
/** mmsc min, max, epoch: read when the count moves, otherwise only the baseline follows. */
export const FOLD_FOLLOW = 3;

export interface SetPlan {
  readonly descriptor: MetricSetDescriptor;
  /** Aggregation key part: sets are identified by name and schema hash. */
  readonly key: string;
  readonly fieldCount: number;
  /** Per element of a slot: the fold (FOLD_*). */
  readonly fold: Uint8Array;
  /** Per element of a slot: the field index. */
  readonly fieldOf: Uint16Array;
  /** Per element of a slot: offset of its field's first element inside the slot. */
  readonly fieldStart: Uint16Array;
}

export function planSet(descriptor: MetricSetDescriptor): SetPlan {
  const fold = new Uint8Array(descriptor.stride);
  const fieldOf = new Uint16Array(descriptor.stride);
  const fieldStart = new Uint16Array(descriptor.stride);
  descriptor.fields.forEach((f, index) => {
    for (let j = 0; j < f.width; j++) {
      const at = f.offset + j;
      fieldOf[at] = index;
      fieldStart[at] = f.offset;
      fold[at] =
        f.instrument === "gauge" ? FOLD_LAST
        : f.instrument === "mmsc" ? (j === MMSC_COUNT || j === MMSC_SUM ? FOLD_MMSC : FOLD_FOLLOW)
        : FOLD_DELTA;
    }
  });
  return { descriptor, key: descriptor.name + "\u0000" + descriptor.schemaHash, fieldCount: descriptor.fields.length, fold, fieldOf, fieldStart };
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
