// Where the series' accumulators live: region-shaped Float64 runs carved one after another out of
// large blocks, instead of one small ArrayBuffer per series. Series are created in the order
// instances are announced, which is the order a flush scans them, so folding and draining walk the
// accumulators nearly sequentially (the hardware prefetcher follows) rather than chasing one
// separately allocated backing store per series. Nothing is ever freed: series live as long as
// the collector, as they did before.

/** Elements of the first block (8 KiB, enough for a small service); each next block doubles, up to 1 MiB. */
const FIRST_BLOCK = 1024;
const MAX_BLOCK = 128 * 1024;

export class SeriesArena {
  private block = new Float64Array(0);
  private used = 0;
  private next = FIRST_BLOCK;

  /** A zeroed run of `n` elements (a run longer than a block gets a buffer of its own). */
  take(n: number): Float64Array {
    if (n > MAX_BLOCK) return new Float64Array(n);
    if (this.used + n > this.block.length) {
      this.block = new Float64Array(Math.max(this.next, n));
      this.next = Math.min(this.next * 2, MAX_BLOCK);
      this.used = 0;
    }
    const run = this.block.subarray(this.used, this.used + n);
    this.used += n;
    return run;
  }
}
