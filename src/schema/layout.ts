// Memory layout of one metric-set instance, shared by codegen (which bakes the offsets in as
// constants) and the runtime (which allocates and reads the region).
//
// region = slot[0] .. slot[slots-1], then one element counting invalid (dropped) values, then the
//          instance's mmsc epoch word (an Int32 in the element's first 4 bytes, written only by the
//          collector, right after it has read the instance's mmsc fields; see collector.ts).
// slot   = the fields in declaration order, each `width` Float64 elements:
//   counter, value "int":   [low, high] cumulative = low + high * COUNTER_CARRY (see below)
//   counter, value "double", upDownCounter: [cumulative]
//   gauge:                  [last value; NaN until first set]
//   histogram(n bounds):    [bucket_0 .. bucket_n, sum, count] (count written last)
//   mmsc:                   [count, sum, min, max, epoch] (min/max restart when the epoch moves)
// The measurement slot index is the mixed radix of the enum positions, first measure most significant.
//
// The collector does not compare every element each flush: it compares one "sentinel" per field
// (the value itself for counters, up-down counters and gauges; the count for histograms and mmsc,
// which every recording increments last) and folds the whole field when its sentinel moved. So a
// flush costs a pass over the sentinels plus work for what changed.
import type { InstrumentKind, ValueType } from "./instruments.ts";

/**
 * Int counters keep their cumulative value in two Float64 elements so that they stay exact past 2^53:
 * `low` in [0, 2^52) takes the increments; when an increment would take it to 2^52 or more, the
 * recorder's cold path (`counterCarry` in codegen-runtime) moves whole multiples of 2^52 into
 * `high`, writing `low` first. Exact for cumulative values below 2^105 (high is a whole Float64).
 */
export const COUNTER_CARRY = 2 ** 52;
export const COUNTER_HIGH = 1;

export const MMSC_COUNT = 0;
export const MMSC_SUM = 1;
export const MMSC_MIN = 2;
export const MMSC_MAX = 3;
export const MMSC_EPOCH = 4;

export function fieldWidth(instrument: InstrumentKind, boundsLength = 0, valueType: ValueType = "double"): number {
  switch (instrument) {
    case "counter":
      return valueType === "int" ? 2 : 1;
    case "upDownCounter":
    case "gauge":
      return 1;
    case "histogram":
      return boundsLength + 3;
    case "mmsc":
      return 5;
  }
}

/** Index of the invalid-value counter in a region. */
export const invalidIndex = (stride: number, slots: number): number => stride * slots;
/** Index of the element holding the instance's mmsc epoch word (read as an Int32 by recorders). */
export const epochIndex = (stride: number, slots: number): number => stride * slots + 1;
/** Float64 elements of a whole instance region. */
export const regionLength = (stride: number, slots: number): number => stride * slots + 2;

/** Fills a fresh region with its initial values (gauges NaN, mmsc epoch -1). */
export function initRegion(region: Float64Array, fields: readonly { instrument: InstrumentKind; offset: number }[], stride: number, slots: number): void {
  for (let s = 0; s < slots; s++) {
    for (const f of fields) {
      if (f.instrument === "gauge") region[s * stride + f.offset] = NaN;
      if (f.instrument === "mmsc") region[s * stride + f.offset + MMSC_EPOCH] = -1;
    }
  }
}

/** Offset inside a field of the element the collector watches for changes (see above). */
export function sentinelOffset(instrument: InstrumentKind, width: number): number {
  return instrument === "histogram" ? width - 1 : instrument === "mmsc" ? MMSC_COUNT : 0;
}
