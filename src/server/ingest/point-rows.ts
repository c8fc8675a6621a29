// Columnar buffer of decoded points, filled while a batch is validated and handed to the store in
// one piece. Typed arrays grow by doubling, so decoding a batch allocates a handful of arrays
// rather than an object per value: ingest speed is bounded by this loop.

export class PointRows {
  length = 0;
  time = new Float64Array(256);
  stream = new Int32Array(256);
  series = new Int32Array(256);
  slot = new Int32Array(256);
  field = new Int32Array(256);
  value = new Float64Array(256);
  /** NaN where the instrument has no such part (counters, gauges). */
  count = new Float64Array(256);
  min = new Float64Array(256);
  max = new Float64Array(256);
  /** Histogram bucket deltas by row; undefined for other instruments. */
  buckets: (readonly number[] | undefined)[] = [];
  /** Rows carrying buckets, so stores without list columns can skip the rest quickly. */
  histogramRows = 0;

  private grow(): void {
    const n = this.time.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.time = f64(this.time);
    this.stream = i32(this.stream);
    this.series = i32(this.series);
    this.slot = i32(this.slot);
    this.field = i32(this.field);
    this.value = f64(this.value);
    this.count = f64(this.count);
    this.min = f64(this.min);
    this.max = f64(this.max);
  }

  push(time: number, stream: number, series: number, slot: number, field: number, value: number): number {
    if (this.length === this.time.length) this.grow();
    const i = this.length++;
    this.time[i] = time;
    this.stream[i] = stream;
    this.series[i] = series;
    this.slot[i] = slot;
    this.field[i] = field;
    this.value[i] = value;
    this.count[i] = NaN;
    this.min[i] = NaN;
    this.max[i] = NaN;
    return i;
  }

  setBuckets(row: number, buckets: readonly number[]): void {
    this.buckets[row] = buckets;
    this.histogramRows++;
  }

  /** Appends another buffer's rows (used to merge batches into one commit). */
  append(other: PointRows): void {
    for (let i = 0; i < other.length; i++) {
      const r = this.push(other.time[i], other.stream[i], other.series[i], other.slot[i], other.field[i], other.value[i]);
      this.count[r] = other.count[i];
      this.min[r] = other.min[i];
      this.max[r] = other.max[i];
      const b = other.buckets[i];
      if (b) this.setBuckets(r, b);
    }
  }

  /** Drops rows from `from` on: undoes a batch whose validation failed half way. */
  truncate(from: number): void {
    for (let i = from; i < this.length; i++) {
      if (this.buckets[i]) {
        this.buckets[i] = undefined;
        this.histogramRows--;
      }
    }
    this.length = from;
    this.buckets.length = Math.min(this.buckets.length, from);
  }
}
