// A series is what the collector exports: one metric-set instance as the stream sees it. In the
// aggregate view several thread instances with equal attributes fold into one series; in the
// thread view each instance is its own. The series accumulates changes between two flushes in a
// region-shaped array and turns them into sparse points.
import { MMSC_COUNT, MMSC_MAX, MMSC_MIN, MMSC_SUM } from "../schema/layout.ts";
import type { AttrValue } from "../wire/batch.ts";
import type { MsgpackWriter } from "../wire/msgpack-writer.ts";
import { SeriesArena } from "./series-arena.ts";
import { KIND_COUNTER, KIND_COUNTER_INT, KIND_GAUGE, KIND_HISTOGRAM, KIND_UP_DOWN, type SetPlan } from "./set-plan.ts";

const EMPTY = new Float64Array(0);

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
    arena: SeriesArena = new SeriesArena(),
  ) {
    const { stride, slots } = plan.descriptor;
    this.acc = arena.take(stride * slots);
    // Only up-down counters keep a cumulative value: most sets need no second region.
    this.cumulative = plan.kind.includes(KIND_UP_DOWN) ? arena.take(stride * slots) : EMPTY;
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
   * Returns false (and writes nothing) when nothing is left after folding. The row's worst-case
   * size is reserved once, so every value below is written straight into the buffer (one-byte
   * integers inline, the rest through MsgpackWriter.number) without a bounds check per value.
   */
  drainInto(w: MsgpackWriter): boolean {
    const { kindOfKey, startOfKey, widthOfKey } = this.plan;
    const acc = this.acc;
    const touched = this.touched;
    const n = this.touchedCount;
    // Row header + id, then per point its key and array header, and at most every element once.
    const buf = w.room(14 + 14 * n + 9 * acc.length);
    const max = 1 + 2 * n;
    const row = w.beginArray(max);
    let p = put(w, buf, w.pos, this.id);
    let count = 1;
    for (let t = 0; t < n; t++) {
      const key = touched[t];
      this.marked[key] = 0;
      const at = startOfKey[key];
      switch (kindOfKey[key]) {
        case KIND_COUNTER:
        case KIND_COUNTER_INT: {
          const d = acc[at];
          acc[at] = 0;
          if (d !== 0) (p = put(w, buf, put(w, buf, p, key), d)), (count += 2);
          break;
        }
        case KIND_UP_DOWN: {
          const d = acc[at];
          acc[at] = 0;
          // Workers moving in opposite directions can cancel out: then the value did not change.
          if (d !== 0) (p = put(w, buf, put(w, buf, p, key), (this.cumulative[at] += d))), (count += 2);
          break;
        }
        case KIND_GAUGE:
          p = put(w, buf, put(w, buf, p, key), acc[at]);
          count += 2;
          break;
        case KIND_HISTOGRAM: {
          // Layout [buckets..., sum, count]; the wire carries [sum, buckets...] (count = their total).
          const width = widthOfKey[key];
          const sumAt = at + width - 2;
          let any = acc[sumAt] !== 0;
          for (let b = at; b < sumAt && !any; b++) any = acc[b] !== 0;
          if (any) {
            p = put(w, buf, p, key);
            // width - 1 elements: fixarray below 16, array16 above (arrayHeader's forms).
            if (width - 1 < 16) buf[p++] = 0x90 | (width - 1);
            else (w.pos = p), w.arrayHeader(width - 1), (p = w.pos);
            p = put(w, buf, p, acc[sumAt]);
            for (let b = at; b < sumAt; b++) {
              const v = acc[b];
              if (v >= 0 && v < 128 && (v | 0) === v) buf[p++] = v;
              else p = put(w, buf, p, v);
              acc[b] = 0;
            }
            count += 2;
          } else acc.fill(0, at, sumAt);
          acc[sumAt] = 0;
          acc[sumAt + 1] = 0;
          break;
        }
        default:
          p = put(w, buf, p, key);
          buf[p++] = 0x94;
          p = put(w, buf, p, acc[at + MMSC_COUNT]);
          p = put(w, buf, p, acc[at + MMSC_SUM]);
          p = put(w, buf, p, acc[at + MMSC_MIN]);
          p = put(w, buf, p, acc[at + MMSC_MAX]);
          count += 2;
          acc[at + MMSC_COUNT] = 0;
          acc[at + MMSC_SUM] = 0;
          break;
      }
    }
    w.pos = p;
    this.touchedCount = 0;
    if (count === 1) {
      w.pos = row;
      return false;
    }
    w.endArray(row, count, max);
    return true;
  }
}

/**
 * Writes `v` at `p` of `buf` (room already reserved) and returns the next position: one byte for
 * the common small non-negative integer, else MsgpackWriter.number's shortest form.
 */
function put(w: MsgpackWriter, buf: Uint8Array, p: number, v: number): number {
  if (v >= 0 && v < 128 && (v | 0) === v) {
    buf[p] = v;
    return p + 1;
  }
  w.pos = p;
  w.number(v);
  return w.pos;
}
