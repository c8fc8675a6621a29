// Where the series' accumulators live: region-shaped Float64 runs carved one after another out of
// large blocks, instead of one small ArrayBuffer per series. Series are created in the order
// instances are announced, which is the order a flush scans them, so folding and draining walk the
// accumulators nearly sequentially (the hardware prefetcher follows) rather than chasing one
// separately allocated backing store per series. Nothing is ever freed: series live as long as
// the collector, as they did before.

/** Elements per block (1 MiB); a run longer than that gets a block of its own. */
const BLOCK_ELEMENTS = 128 * 1024;

export class SeriesArena {
  private block = new Float64Array(0);
  private used = 0;

  /** A zeroed run of `n` elements. */
  take(n: number): Float64Array {
    if (n > BLOCK_ELEMENTS) return new Float64Array(n);
    if (this.used + n > this.block.length) {
      this.block = new Float64Array(BLOCK_ELEMENTS);
      this.used = 0;
    }
    const run = this.block.subarray(this.used, this.used + n);
    this.used += n;
    return run;
  }
}
