// A series is what the collector exports: one metric-set instance as the stream sees it. In the
// aggregate view several thread instances with equal attributes fold into one series; in the
// thread view each instance is its own. The series accumulates changes between two flushes in a
// region-shaped array and turns them into sparse points.
import { MMSC_COUNT, MMSC_MAX, MMSC_MIN, MMSC_SUM } from "../schema/layout.ts";
import type { AttrValue, SeriesPoints } from "../wire/batch.ts";
import type { SetPlan } from "./set-plan.ts";

export class Series {
  /** Set on first export: the stream declares a series once, before its first points. */
  declared = false;
  /** Changes since the last flush, same layout as an instance region (without the invalid counter). */
  readonly acc: Float64Array;
  /** Cumulative values of up-down counters, same layout. */
  private readonly cumulative: Float64Array;
  /** Per point key: touched since the last flush. */
  private readonly marked: Uint8Array;
  private readonly touched: number[] = [];

  constructor(
    readonly id: number,
    readonly plan: SetPlan,
    /** Entity attribute values (plus the thread id in the thread view); null for the overflow series. */
    readonly attrs: readonly AttrValue[] | null,
  ) {
    const { stride, slots } = plan.descriptor;
    this.acc = new Float64Array(stride * slots);
    this.cumulative = new Float64Array(stride * slots);
    this.marked = new Uint8Array(slots * plan.fieldCount);
  }

  get pending(): boolean {
    return this.touched.length > 0;
  }

  /** Marks the field at (slot, field) as changed; `at` is the field's first element in the region. */
  touch(slot: number, field: number, at: number): void {
    const key = slot * this.plan.fieldCount + field;
    if (this.marked[key] === 1) return;
    this.marked[key] = 1;
    this.touched.push(key);
    if (this.plan.descriptor.fields[field].instrument === "mmsc") {
      this.acc[at + MMSC_MIN] = Infinity;
      this.acc[at + MMSC_MAX] = -Infinity;
    }
  }

  /** Turns the accumulated changes into `[id, key, value, ...]` and resets; undefined when nothing is left after folding. */
  drain(): SeriesPoints | undefined {
    const { descriptor, fieldCount } = this.plan;
    const out: (number | number[])[] = [this.id];
    const acc = this.acc;
    for (const key of this.touched) {
      this.marked[key] = 0;
      const field = descriptor.fields[key % fieldCount];
      const at = Math.floor(key / fieldCount) * descriptor.stride + field.offset;
      switch (field.instrument) {
        case "counter": {
          const d = acc[at];
          acc[at] = 0;
          if (d !== 0) out.push(key, d);
          break;
        }
        case "upDownCounter": {
          const d = acc[at];
          acc[at] = 0;
          // Workers moving in opposite directions can cancel out: then the value did not change.
          if (d !== 0) out.push(key, (this.cumulative[at] += d));
          break;
        }
        case "gauge":
          out.push(key, acc[at]);
          break;
        case "histogram": {
          const sumAt = at + field.width - 1;
          const value = [acc[sumAt]];
          let any = acc[sumAt] !== 0;
          for (let b = at; b < sumAt; b++) {
            value.push(acc[b]);
            if (acc[b] !== 0) any = true;
            acc[b] = 0;
          }
          acc[sumAt] = 0;
          if (any) out.push(key, value);
          break;
        }
        case "mmsc": {
          out.push(key, [acc[at + MMSC_COUNT], acc[at + MMSC_SUM], acc[at + MMSC_MIN], acc[at + MMSC_MAX]]);
          acc[at + MMSC_COUNT] = 0;
          acc[at + MMSC_SUM] = 0;
          break;
        }
      }
    }
    this.touched.length = 0;
    return out.length > 1 ? out : undefined;
  }
}
