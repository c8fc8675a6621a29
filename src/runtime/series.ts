// A series is what the collector exports: one metric-set instance as the stream sees it. In the
// aggregate view several thread instances with equal attributes fold into one series; in the
// thread view each instance is its own. The series accumulates changes between two flushes in a
// region-shaped array and turns them into sparse points.
import { MMSC_COUNT, MMSC_MAX, MMSC_MIN, MMSC_SUM } from "../schema/layout.ts";
import type { AttrValue } from "../wire/batch.ts";
import type { MsgpackWriter } from "../wire/msgpack-writer.ts";
import { KIND_COUNTER, KIND_COUNTER_INT, KIND_GAUGE, KIND_HISTOGRAM, KIND_UP_DOWN, type SetPlan } from "./set-plan.ts";

export class Series {
  /** Set on first export: the stream declares a series once, before its first points. */
  declared = false;
  /** Changes since the last flush, same layout as an instance region (without the invalid counter). */
  readonly acc: Float64Array;
  /** Cumulative values of up-down counters, same layout. */
  private readonly cumulative: Float64Array;
  /** Per point key: touched since the last flush. */
  private readonly marked: Uint8Array;
  /** The point keys touched since the last flush, in order (a typed array: a flush allocates nothing here). */
  private readonly touched: Int32Array;
  private touchedCount = 0;

  constructor(
    readonly id: number,
    readonly plan: SetPlan,
    /** Entity attribute values (plus the thread id in the thread view); null for the overflow series. */
    readonly attrs: readonly AttrValue[] | null,
    /** The collector's list of series with pending changes: a flush visits only those. */
    private readonly dirty: Series[],
  ) {
    const { stride, slots } = plan.descriptor;
    this.acc = new Float64Array(stride * slots);
    this.cumulative = new Float64Array(stride * slots);
    this.marked = new Uint8Array(slots * plan.fieldCount);
    this.touched = new Int32Array(slots * plan.fieldCount);
  }

  /** Marks point `key` as changed (see SetPlan for the key); `mmsc` restarts its min/max accumulation. */
  touch(key: number, mmsc: boolean): void {
    if (this.marked[key] === 1) return;
    this.marked[key] = 1;
    if (this.touchedCount === 0) this.dirty.push(this);
    this.touched[this.touchedCount++] = key;
    if (mmsc) {
      const at = this.plan.startOfKey[key];
      this.acc[at + MMSC_MIN] = Infinity;
      this.acc[at + MMSC_MAX] = -Infinity;
    }
  }

  /**
   * Writes the accumulated changes as one points row `[id, key, value, ...]` and resets them.
   * Returns false (and writes nothing) when nothing is left after folding.
   */
  drainInto(w: MsgpackWriter): boolean {
    const { kind, fieldOfKey, startOfKey, descriptor } = this.plan;
    const acc = this.acc;
    const row = w.beginArray();
    w.number(this.id);
    let count = 1;
    for (let t = 0; t < this.touchedCount; t++) {
      const key = this.touched[t];
      this.marked[key] = 0;
      const field = fieldOfKey[key];
      const at = startOfKey[key];
      switch (kind[field]) {
        case KIND_COUNTER:
        case KIND_COUNTER_INT: {
          const d = acc[at];
          acc[at] = 0;
          if (d !== 0) w.number(key), w.number(d), (count += 2);
          break;
        }
        case KIND_UP_DOWN: {
          const d = acc[at];
          acc[at] = 0;
          // Workers moving in opposite directions can cancel out: then the value did not change.
          if (d !== 0) w.number(key), w.number((this.cumulative[at] += d)), (count += 2);
          break;
        }
        case KIND_GAUGE:
          w.number(key);
          w.number(acc[at]);
          count += 2;
          break;
        case KIND_HISTOGRAM: {
          // Layout [buckets..., sum, count]; the wire carries [sum, buckets...] (count = their total).
          const width = descriptor.fields[field].width;
          const sumAt = at + width - 2;
          let any = acc[sumAt] !== 0;
          for (let b = at; b < sumAt && !any; b++) any = acc[b] !== 0;
          if (any) {
            w.number(key);
            w.arrayHeader(width - 1);
            w.number(acc[sumAt]);
            w.numbers(acc, at, sumAt);
            count += 2;
          }
          acc.fill(0, at, sumAt + 1);
          break;
        }
        default:
          w.number(key);
          w.arrayHeader(4);
          w.number(acc[at + MMSC_COUNT]);
          w.number(acc[at + MMSC_SUM]);
          w.number(acc[at + MMSC_MIN]);
          w.number(acc[at + MMSC_MAX]);
          count += 2;
          acc[at + MMSC_COUNT] = 0;
          acc[at + MMSC_SUM] = 0;
          break;
      }
    }
    this.touchedCount = 0;
    if (count === 1) {
      w.pos = row;
      return false;
    }
    w.endArray(row, count);
    return true;
  }
}
